from qingshan.core.retention import RetainedFiles

RETAINED_FILES = [RetainedFiles("clues.ClueJob", "线索文件")]
