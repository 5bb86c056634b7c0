"""The words of the demo history: titles, places, replies and comments, and the reporters' names."""
import random

from ..city import GIVEN_CHARS, SURNAMES
from .draws import pick

ROADS = ["青云路", "滨河路", "建设大道", "翠湖路", "长春路", "桃李路", "松涛路", "望江路", "兴业大道", "鹭洲路",
         "枫林路", "清泉路", "启明路", "丰收路", "新港路", "锦绣路", "云溪路", "梧桐大道", "石桥路", "湖光路"]
RIVERS = ["青溪河", "白鹭河", "桃花溪", "临江支流", "云水河", "碧波渠", "柳叶河", "沙河"]
FIRMS = ["鑫达", "恒远", "宏昌", "联创", "瑞丰", "金禾", "顺通", "华盛", "嘉禾", "永泰", "晨阳", "博纳"]
TRADES = ["化工", "建材", "印染", "电镀", "食品", "砂石", "再生资源", "混凝土", "养殖", "机械制造"]
TITLES = {
    "water": ["{river}{place}河段疑似污水直排", "{firm}夜间偷排生产废水", "{place}养殖场粪污直排入{river}",
              "{river}{place}段黑臭水体反弹", "{place}雨污管网混接污水外溢", "{river}饮用水水源保护区内违规建设"],
    "air": ["{place}建筑工地扬尘污染", "{place}餐饮店油烟扰民", "{place}露天焚烧秸秆", "{firm}废气异味扰民",
            "{road}渣土车未密闭运输", "{place}加油站油气回收装置未运行"],
    "solid_waste": ["{place}建筑垃圾非法倾倒", "{place}生活垃圾清运不及时", "{firm}危险废物贮存不规范",
                    "{river}沿岸堆放工业固废", "{place}医疗废物处置不规范"],
    "noise": ["{place}夜间施工噪声扰民", "{road}商铺高音喇叭扰民", "{firm}设备噪声超标", "{place}广场舞噪声扰民"],
    "soil": ["{place}疑似污染地块违规开发", "{place}农田周边企业废渣堆放", "{place}废弃厂区土壤污染未治理"],
    "ecology": ["{river}{place}段非法采砂", "{place}违规占用林地", "{place}湿地被违规填埋", "{place}山体违规开挖",
                "{river}违规设置围网养殖"],
    "duty": ["{unit}对群众反映的污染问题长期推诿", "{unit}整改工作敷衍应付", "{unit}执法检查走过场",
             "{unit}对督察反馈问题整改不到位"],
    "approval": ["{place}项目未批先建", "{unit}违规审批高耗能项目", "{place}项目环评审批程序不规范"],
    "consult": ["咨询排污许可证办理流程", "咨询噪声污染投诉处理程序", "咨询建设项目环评要求", "咨询垃圾分类政策",
                "咨询{river}水质监测信息公开"],
}
INTRO = {
    "inspection": "现场检查发现：", "report": "监督报告反映：", "12345": "群众通过12345热线反映：",
    "12369": "群众通过12369环保热线反映：", "12388": "群众通过12388举报：", "central": "中央生态环境保护督察组交办：",
    "provincial": "省生态环境保护督察组交办：", "media": "媒体报道：", "model": "数据比对模型预警：",
    "camera": "视频监控智能识别预警：", "partner": "市污染防治攻坚办移送：", "self": "责任单位自查发现：",
}
CITIZEN_DETAILS = ["影响周边居民正常生活，请尽快核实处理。", "问题已持续一周以上，多次反映未得到解决。",
                   "周边群众意见较大，请依法依规处理。"]
OFFICIAL_DETAILS = ["请核实情况并按期反馈办理结果。", "存在环境风险隐患，请及时处置。",
                    "请依法依规处理并报送整改情况。"]
REPLIES = {
    "consult": ["已电话答复来电人相关政策及办理流程，来电人表示清楚。"],
    "duty": ["已对相关责任人进行提醒谈话，制定整改方案并落实到位。",
             "已召开专题会议研究整改，建立问题台账并逐项销号。"],
}
REPLY_DEFAULT = ["经现场核查，问题属实。已责令整改并依法立案处罚，现已整改到位。",
                 "经核查，已完成清理整治，并建立长效巡查机制。", "已会同相关部门联合执法，责令停产整改，复查达标。",
                 "经现场核查，反映问题部分属实，已督促整改完毕并加强日常监管。"]
REJECT_COMMENTS = ["佐证材料不足，请补充整改前后对比照片。", "办理情况与反映问题不对应，请重新核实。",
                   "整改措施不具体，请明确整改时限和责任人。", "未说明对违法行为的处理情况，请补充。"]
RETURN_REASONS = ["该事项不属本单位职责，依据：本单位“三定”方案", "问题点位不在本单位管辖范围内，依据：属地管理划分"]
URGE_NOTES = ["该问题已超过办理期限，请抓紧办理并反馈。", "请于2个工作日内反馈办理进展。",
              "距办理期限已近，请加快办理。"]
ESCALATE_REASONS = {1: "超期未办结，蓝色督办。", 2: "超期时间较长，黄色督办。",
                    3: "长期超期未办结，红色督办并报分管领导。"}
REVISIT_NOTES = ["电话回访来电人。", "现场回访，听取群众意见。"]


def reporter_name(rng: random.Random) -> str:
    """A citizen's name as a hotline operator records it: a full name, or a surname with 先生/女士."""
    if rng.random() < 0.3:
        return pick(rng, SURNAMES) + pick(rng, ("先生", "女士"))
    return pick(rng, SURNAMES) + "".join(pick(rng, GIVEN_CHARS) for _ in range(2 if rng.random() < 0.75 else 1))
