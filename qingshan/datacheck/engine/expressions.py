"""Expressions and custom SQL from specs: parsed by SQLGlot, then checked node by node against a whitelist.

Nothing a user types is ever pasted into SQL: the text becomes an AST, every node must be of an allowed kind,
every column must exist in a data set the model reads, every function must be portable or registered, and
literals become bound parameters.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import sqlglot
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokens import TokenType

from qingshan.datasets.catalog import IDENTIFIER, DatasetInfo, table_name

from .functions import get_function
from .spec import SpecError

READ_DIALECT = "duckdb"

# Scalar syntax every engine evaluates the same way.
_SCALAR_NODES: tuple[type[exp.Expression], ...] = (
    exp.Column,
    exp.Identifier,
    exp.Literal,
    exp.Boolean,
    exp.Null,
    exp.Paren,
    exp.Neg,
    exp.Not,
    exp.And,
    exp.Or,
    exp.EQ,
    exp.NEQ,
    exp.GT,
    exp.GTE,
    exp.LT,
    exp.LTE,
    exp.Is,
    exp.In,
    exp.Between,
    exp.Add,
    exp.Sub,
    exp.Mul,
    exp.Div,
    exp.Mod,
    exp.Case,
    exp.If,
    exp.Cast,
    exp.DataType,
    exp.DataTypeParam,
    exp.Placeholder,
    exp.Tuple,
    exp.DPipe,
)
# Built-in functions with the same meaning on DuckDB, Spark and PostgreSQL.
_SCALAR_FUNCTIONS: tuple[type[exp.Expression], ...] = (
    exp.Abs,
    exp.Round,
    exp.Floor,
    exp.Ceil,
    exp.Coalesce,
    exp.Nullif,
    exp.Greatest,
    exp.Least,
    exp.Lower,
    exp.Upper,
    exp.Trim,
    exp.Length,
    exp.Substring,
    exp.Sqrt,
    exp.Pow,
    exp.Year,
    exp.Month,
    exp.Day,
)
_AGGREGATES: tuple[type[exp.Expression], ...] = (
    exp.Count,
    exp.Sum,
    exp.Avg,
    exp.Min,
    exp.Max,
    exp.Stddev,
    exp.StddevSamp,
    exp.StddevPop,
    exp.Distinct,
)
_WINDOW: tuple[type[exp.Expression], ...] = (
    exp.Window,
    exp.WindowSpec,
    exp.RowNumber,
    exp.Lag,
    exp.Lead,
    exp.Order,
    exp.Ordered,
    exp.Rank,
    exp.DenseRank,
)
_QUERY_NODES: tuple[type[exp.Expression], ...] = (
    exp.Select,
    exp.With,
    exp.CTE,
    exp.Subquery,
    exp.From,
    exp.Join,
    exp.Table,
    exp.TableAlias,
    exp.Where,
    exp.Group,
    exp.Having,
    exp.Limit,
    exp.Alias,
    exp.Star,
    exp.Exists,
    exp.Union,
    exp.Except,
    exp.Intersect,
)
_CAST_TYPES = {
    exp.DataType.Type.DECIMAL,
    exp.DataType.Type.DOUBLE,
    exp.DataType.Type.FLOAT,
    exp.DataType.Type.BIGINT,
    exp.DataType.Type.INT,
    exp.DataType.Type.VARCHAR,
    exp.DataType.Type.TEXT,
    exp.DataType.Type.DATE,
    exp.DataType.Type.TIMESTAMP,
    exp.DataType.Type.BOOLEAN,
}


_SYNTAX_LABELS = {
    "subquery": "子查询",
    "select": "子查询",
    "exists": "EXISTS 子查询",
    "star": "*",
    "window": "窗口函数",
    "table": "表",
    "join": "连接",
    "union": "UNION",
    "alias": "别名 AS",
    "var": "变量",
}


def _syntax(node: exp.Expression) -> str:
    return _SYNTAX_LABELS.get(node.key, node.key)


@dataclass
class Params:
    """The bound parameters of one compiled model: name -> Python value."""

    values: dict[str, Any] = field(default_factory=dict)
    spec_params: dict[str, Any] = field(default_factory=dict)

    def bind(self, value: Any) -> exp.Expression:
        """A placeholder for a new parameter holding ``value``."""
        if isinstance(value, bool):
            return exp.Boolean(this=value)
        name = f"l_{len(self.values) + 1}"
        self.values[name] = value
        return exp.Placeholder(this=name)

    def spec_param(self, name: str, where: str) -> exp.Expression:
        """A placeholder for a parameter declared in the spec's ``params``."""
        if name not in self.spec_params:
            raise SpecError(f"{where}：未定义的参数“:{name}”，请在 params 中声明")
        value = self.spec_params[name]
        if isinstance(value, bool):
            return exp.Boolean(this=value)
        key = f"p_{name}"
        self.values[key] = Decimal(str(value)) if isinstance(value, float) else value
        return exp.Placeholder(this=key)


@dataclass(frozen=True)
class Source:
    """A data set as it appears in a query: its alias and info."""

    alias: str
    info: DatasetInfo


def _tokens_checked(text: str, where: str) -> None:
    try:
        tokens = sqlglot.tokenize(text, read=READ_DIALECT)
    except TokenError as error:
        raise SpecError(f"{where}：无法解析") from error
    for token in tokens:
        if token.token_type == TokenType.SEMICOLON:
            raise SpecError(f"{where}：不允许分号（只能是一条查询）")
        if token.comments:
            raise SpecError(f"{where}：不允许注释")


def _parse(text: str, where: str) -> exp.Expression:
    _tokens_checked(text, where)
    try:
        tree = sqlglot.parse_one(text, read=READ_DIALECT)
    except (ParseError, TokenError) as error:
        raise SpecError(f"{where}：无法解析“{text}”") from error
    if tree is None:
        raise SpecError(f"{where}：不能为空")
    return tree


def _literal_value(node: exp.Literal) -> Any:
    if node.is_string:
        return node.this
    text = node.this
    if text.lstrip("-").isdigit():
        return int(text)
    return Decimal(text)


# SQLGlot models some operators as functions (AND, OR, CASE, IF are `exp.Func` subclasses): they are syntax, whose
# nodes `_check_nodes` judges, not function calls to look up in the registry or the function whitelist.
_SYNTAX_FUNCS: tuple[type[exp.Expression], ...] = (exp.Cast, exp.Connector, exp.Case, exp.If)


def _is_function_call(node: exp.Expression) -> bool:
    return isinstance(node, exp.Func) and not isinstance(node, _SYNTAX_FUNCS)


def _expand_functions(tree: exp.Expression, where: str, extra_allowed: tuple = ()) -> exp.Expression:
    """Replace registered functions by their portable SQL; refuse any other function not whitelisted."""

    def replace(node: exp.Expression) -> exp.Expression:
        if _is_function_call(node):
            name = node.name if isinstance(node, exp.Anonymous) else node.sql_name()
            registered = get_function(name)
            if registered is not None:
                args = (
                    list(node.expressions)
                    if isinstance(node, exp.Anonymous)
                    else [a for a in node.args.values() if isinstance(a, exp.Expression)]
                )
                if len(args) < registered.min_args or (
                    registered.max_args is not None and len(args) > registered.max_args
                ):
                    raise SpecError(f"{where}：函数“{registered.name}”的参数个数不对")
                return registered.builder([a.copy() for a in args])
            if isinstance(node, exp.Anonymous) or not isinstance(node, _SCALAR_FUNCTIONS + extra_allowed):
                raise SpecError(f"{where}：不允许使用函数“{name.lower()}”")
        return node

    # Arguments first (children are transformed before parents), so nested registered functions expand.
    return tree.transform(replace, copy=False)


def _check_nodes(tree: exp.Expression, allowed: tuple, where: str) -> None:
    for node in tree.walk():
        if isinstance(node, exp.Cast):
            to = node.args.get("to")
            if to is None or to.this not in _CAST_TYPES:
                raise SpecError(f"{where}：不允许转换为该类型")
        if not isinstance(node, allowed):
            raise SpecError(f"{where}：不允许的语法“{_syntax(node)}”")


def compile_expression(
    text: str, *, default: Source, sources: dict[str, Source], params: Params, where: str, bare_names=None
) -> exp.Expression:
    """A validated, parameterised expression over the columns of ``sources`` (unqualified names: ``default``).

    ``sources`` maps the data-set code a user may write as qualifier (``sections.target_class``) to its alias in
    the query. ``bare_names`` optionally maps extra unqualified names (e.g. aggregate measures) to expressions.
    """
    tree = _parse(text, where)
    # Validate the user's own syntax before expanding registered functions (whose SQL is ours, not theirs).
    for node in tree.walk():
        if isinstance(node, exp.Func) and not isinstance(node, exp.Cast | exp.Anonymous):
            continue
        if isinstance(node, exp.Anonymous):
            continue
        if not isinstance(node, _SCALAR_NODES):
            raise SpecError(f"{where}：不允许的语法“{_syntax(node)}”")

    def resolve(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Column):
            if node.args.get("catalog") or node.args.get("db"):
                raise SpecError(f"{where}：列名“{node.sql()}”不合法")
            name, qualifier = node.name, node.table
            if not qualifier and bare_names and name in bare_names:
                return bare_names[name].copy()
            source = sources.get(qualifier) if qualifier else default
            if source is None:
                raise SpecError(f"{where}：未知的数据集“{qualifier}”")
            if name not in source.info.columns:
                raise SpecError(f"{where}：数据集“{source.info.code}”没有列“{name}”")
            return exp.column(name, table=source.alias, quoted=True)
        if isinstance(node, exp.Placeholder):
            if not node.name or not IDENTIFIER.match(node.name):
                raise SpecError(f"{where}：参数名不合法")
            return params.spec_param(node.name, where)
        if isinstance(node, exp.Literal) and not isinstance(node.parent, exp.DataTypeParam | exp.DataType):
            return params.bind(_literal_value(node))
        return node

    tree = tree.transform(resolve, copy=False)
    # Measures of an aggregate model are aggregates the compiler built; only then may aggregates appear.
    extra = (*_AGGREGATES, exp.Star) if bare_names else ()
    tree = _expand_functions(tree, where, extra)
    _check_nodes(tree, _SCALAR_NODES + _SCALAR_FUNCTIONS + (exp.Func,) + extra, where)
    return exp.paren(tree, copy=False) if not isinstance(tree, exp.Column | exp.Paren | exp.Placeholder) else tree


def _refers_to_cte(table: exp.Table) -> bool:
    """Whether ``table`` names a CTE in scope where it stands, as SQL resolves it: a CTE of an enclosing query, and
    inside a CTE's own body only the CTEs before it (and itself under WITH RECURSIVE). Anywhere else the same name
    is a table of the database, whatever CTE elsewhere in the text bears it; counting too few as CTEs is safe (the
    name is then checked against the catalogue), too many is not."""
    path: list[exp.Expression] = [table]
    node = table.parent
    while node is not None:
        with_ = next((v for v in node.args.values() if isinstance(v, exp.With)), None)
        if with_ is not None:
            ctes = list(with_.expressions)
            if len(path) >= 2 and path[-1] is with_:  # the table is in the body of the CTE path[-2]
                position = next(i for i, cte in enumerate(ctes) if cte is path[-2])
                ctes = ctes[: position + 1] if with_.args.get("recursive") else ctes[:position]
            if any(cte.alias_or_name == table.name for cte in ctes):
                return True
        path.append(node)
        node = node.parent
    return False


def _check_bounded(node: exp.Expression, where: str) -> None:
    """Refuse what makes a query's size unbounded by its data: recursion, and joins without an equality between the
    two sides (a cross join of three copies of a 200-row set is 8 million rows)."""
    if isinstance(node, exp.With) and node.args.get("recursive"):
        raise SpecError(f"{where}：不允许递归查询（WITH RECURSIVE）")
    if isinstance(node, exp.Join):
        if node.args.get("kind") == "CROSS" or not (node.args.get("on") or node.args.get("using")):
            raise SpecError(f"{where}：连接须用 ON 或 USING 写明连接条件（不允许笛卡尔积）")
        condition = node.args.get("on")
        if condition is not None and not any(_joins_two_sides(eq) for eq in _conjuncts(condition)):
            raise SpecError(f"{where}：连接条件须包含至少一个两表之间的等值条件（如 a.编号 = b.编号）")


def _joins_two_sides(term: exp.Expression) -> bool:
    """An equality of two columns of different tables (an unqualified column may be either side's)."""
    return (isinstance(term, exp.EQ) and isinstance(term.left, exp.Column) and isinstance(term.right, exp.Column)
            and not (term.left.table and term.left.table == term.right.table))


def _conjuncts(condition: exp.Expression) -> list[exp.Expression]:
    """The terms of an AND chain (an equality under OR does not bound the join)."""
    condition = condition.unnest()
    if isinstance(condition, exp.And):
        return [*_conjuncts(condition.left), *_conjuncts(condition.right)]
    return [condition]


def compile_custom_sql(text: str, *, catalog, where: str = "spec.custom_sql.sql") -> tuple[exp.Query, list[str]]:
    """A read-only SELECT over catalogue data sets only, with table names rewritten to ``ds_<code>``.

    Returns the rewritten query and the codes of the data sets it reads.
    """
    tree = _parse(text, where)
    if not isinstance(tree, exp.Query):
        raise SpecError(f"{where}：只允许 SELECT 查询")
    allowed = _QUERY_NODES + _SCALAR_NODES + _SCALAR_FUNCTIONS + _AGGREGATES + _WINDOW + (exp.Func,)
    used: list[str] = []
    for node in list(tree.walk()):
        if isinstance(node, exp.Table):
            if node.args.get("db") or node.args.get("catalog") or not isinstance(node.this, exp.Identifier):
                raise SpecError(f"{where}：只能查询已登记的数据集（不允许“{node.sql()}”）")
            name = node.name
            if _refers_to_cte(node):
                continue
            if name not in catalog:
                raise SpecError(f"{where}：未知的数据集“{name}”")
            if name not in used:
                used.append(name)
        if isinstance(node, exp.Join) and (node.args.get("method") or node.args.get("kind") == "ASOF"):
            raise SpecError(f"{where}：不允许该连接方式")
        if isinstance(node, exp.Group) and node.args.get("all"):
            raise SpecError(f"{where}：不允许 GROUP BY ALL，请列出分组列")
        if isinstance(node, exp.Select) and (node.args.get("qualify") or node.args.get("into")):
            raise SpecError(f"{where}：不允许 QUALIFY / INTO")
        if isinstance(node, exp.Join | exp.From) and isinstance(node.this, exp.Func | exp.Unnest | exp.Lateral):
            raise SpecError(f"{where}：不允许表函数")
    for node in tree.walk():
        _check_bounded(node, where)
    for key in ("order",):
        if tree.args.get(key) is not None:
            tree.set(key, None)  # the engine orders; an ORDER BY here only costs time
    for node in tree.walk():
        if _is_function_call(node):
            name = node.name if isinstance(node, exp.Anonymous) else node.sql_name()
            if get_function(name) is None and (
                isinstance(node, exp.Anonymous) or not isinstance(node, _SCALAR_FUNCTIONS + _AGGREGATES + _WINDOW)
            ):
                raise SpecError(f"{where}：不允许使用函数“{name.lower()}”")
    tree = _expand_functions(tree, where, _AGGREGATES + _WINDOW)
    _check_nodes(tree, allowed, where)

    def rename(node: exp.Expression) -> exp.Expression:
        if isinstance(node, exp.Table) and node.name in catalog and not _refers_to_cte(node):
            alias = node.alias or node.name
            return exp.Table(
                this=exp.to_identifier(table_name(node.name), quoted=True),
                alias=exp.TableAlias(this=exp.to_identifier(alias, quoted=True)),
            )
        if isinstance(node, exp.Identifier):
            node.set("quoted", True)
        return node

    tree = tree.transform(rename, copy=False)
    return tree, used
