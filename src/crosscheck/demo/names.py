"""Name pools for the demo county: weighted Han surnames, given-name characters by sex and era,
a few minority (migrant) names with a middle dot, and the variants real files hold.

Everything works on whole columns: `draw_names` returns a Polars Series for any number of people.
"""

from __future__ import annotations

import numpy as np
import opencc
import polars as pl

# Surnames with rough weights (per mille of the population), national frequencies with the
# surnames common in 怀化 (杨 吴 向 舒 粟 龙 滕 蒲 易 唐 谭 of the 侗/苗/土家 areas) boosted.
_SURNAMES = """
王 60 李 62 张 55 刘 48 陈 42 杨 58 黄 24 赵 16 吴 36 周 19 徐 12 孙 10 马 8 朱 11 胡 13
郭 9 何 12 林 9 罗 14 高 9 郑 8 梁 6 谢 9 宋 6 唐 22 许 5 韩 5 邓 11 冯 5 曹 6 彭 12 曾 10
肖 9 田 9 董 4 潘 5 袁 6 蔡 4 蒋 10 余 5 于 3 杜 4 叶 4 程 4 魏 4 苏 4 吕 3 丁 4 任 3 卢 4
姚 6 沈 3 钟 4 姜 3 崔 2 谭 12 陆 3 范 3 汪 3 廖 5 石 6 金 2 韦 2 贾 2 夏 3 付 3 方 3 邹 4
熊 4 白 2 孟 2 秦 2 邱 3 侯 2 江 3 尹 3 薛 2 闫 1 段 2 雷 3 龙 10 黎 2 史 2 陶 3 贺 4 毛 3
郝 1 顾 1 龚 3 邵 2 万 2 覃 2 武 1 钱 1 戴 2 严 2 莫 2 孔 1 向 14 常 1 汤 3 舒 9 粟 7 滕 5
蒲 4 易 6 米 2 瞿 2 欧阳 1 蒙 1 伍 3 符 1 麻 2 简 1 鲁 1 聂 1 左 1 全 1 包 1 甘 1 褚 1
"""
_S = _SURNAMES.split()
SURNAMES = pl.Series("surname", _S[0::2])
_SURNAME_P = np.array([float(w) for w in _S[1::2]])
_SURNAME_P /= _SURNAME_P.sum()

# Given-name characters: (sex, era) pools; era 0 = born before 1975, 1 = later.
_POOLS = {
    (True, 0): "国建明德富贵福祥春新云正安荣发金光良忠兴永庆家万喜生清林华平志文军红成海东兵"
    "强勇伟斌友满秋元和成章启云长先桂树松柏全",
    (True, 1): "伟强军勇杰涛超刚宇鹏磊浩峰龙斌辉波亮俊凯鑫晨阳帅振宏博翔飞洋毅鸿浩然子轩睿宸"
    "泽航皓文豪一诚俊熙梓楷逸嘉",
    (False, 0): "秀英兰桂珍凤翠花玉梅芳霞莲菊琼娥香金银云春月素彩淑美爱荣群娟华平英芝冬",
    (False, 1): "芳丽娟敏静琴萍慧艳玲婷雪洁燕霞丹倩颖欣怡雨萱梓涵诗琪佳思悦妍可馨蕾媛晶莉"
    "婧璐瑶琳",
}
_ALL_CHARS = pl.Series(list("".join(_POOLS.values())))
_OFFSETS: dict[tuple[bool, int], tuple[int, int]] = {}
_o = 0
for _k, _v in _POOLS.items():
    _OFFSETS[_k] = (_o, len(_v))
    _o += len(_v)

# Migrants' names (维吾尔, 哈萨克 ...): two parts joined by the standard middle dot U+00B7.
MINORITY_MALE = ("阿卜杜·热合曼", "买买提·吐尔逊", "艾尔肯·卡德尔", "努尔兰·哈斯木", "吐尔洪·艾则孜",
                 "阿迪力·吾守尔", "巴合提亚尔·努尔")
MINORITY_FEMALE = ("古丽米拉·艾力", "热依拉·阿不都", "迪丽努尔·买买提", "阿依古丽·吾斯曼", "帕提古丽·伊明",
                   "再努尔·依明", "玛依拉·托合提")
MINORITY_NAMES = pl.Series(MINORITY_MALE + MINORITY_FEMALE)
MIDDLE_DOT = "·"
DOT_VARIANTS = ("•", "・", "‧", "．")          # the forms besides U+00B7 that real files hold
GBK_DOT_VARIANTS = ("．",)                       # the ones a GBK file can encode

_S2T = opencc.OpenCC("s2t")
# Surnames whose traditional form differs, for names that must change under s2t.
TRAD_SURNAMES = ("刘", "陈", "张", "赵", "黄", "杨", "吴", "郑", "龙", "邓")


def draw_surnames(rng: np.random.Generator, n: int) -> np.ndarray:
    """Indices into SURNAMES, weighted by frequency."""
    return rng.choice(len(SURNAMES), size=n, p=_SURNAME_P)


def draw_given(rng: np.random.Generator, male: np.ndarray, birth_year: np.ndarray) -> pl.Series:
    """One or two given-name characters per person, from the pool of their sex and era."""
    n = len(male)
    era = (birth_year >= 1975).astype(np.int8)
    i1 = np.zeros(n, dtype=np.int64)
    i2 = np.zeros(n, dtype=np.int64)
    for (is_male, e), (off, size) in _OFFSETS.items():
        mask = (male == is_male) & (era == e)
        k = int(mask.sum())
        i1[mask] = off + rng.integers(0, size, k)
        i2[mask] = off + rng.integers(0, size, k)
    two = rng.random(n) < np.where(era == 1, 0.78, 0.62)
    first, second = _ALL_CHARS.gather(i1), _ALL_CHARS.gather(i2)
    return pl.select(pl.when(pl.lit(pl.Series(two))).then(first + second).otherwise(first)).to_series()


def full_names(surname_idx: np.ndarray, given: pl.Series) -> pl.Series:
    return (SURNAMES.gather(surname_idx) + given).alias("name")


def minority(rng: np.random.Generator, male: np.ndarray) -> pl.Series:
    """A migrant's name of the person's sex."""
    k = len(MINORITY_MALE)
    idx = rng.integers(0, k, len(male)) + np.where(male, 0, k)
    return MINORITY_NAMES.gather(idx)


def to_traditional(names: pl.Series) -> pl.Series:
    """Each name in traditional characters (one OpenCC call for all distinct names)."""
    uniq = names.unique(maintain_order=True).drop_nulls()
    if uniq.is_empty():
        return names
    converted = _S2T.convert("\n".join(uniq.to_list())).split("\n")
    return names.replace_strict(uniq, pl.Series(converted), default=names)


def trad(name: str) -> str:
    return _S2T.convert(name)


def spaced(names: pl.Series, rng: np.random.Generator) -> pl.Series:
    """Names with an inner space: two-character names padded with U+3000, others with a space."""
    sep = pl.Series(np.where(rng.random(len(names)) < 0.6, "\u3000", " "))
    return pl.select(
        pl.when(names.str.len_chars() == 2)
        .then(names.str.slice(0, 1) + "\u3000" + names.str.slice(1))
        .otherwise(names.str.slice(0, 1) + pl.lit(sep) + names.str.slice(1))
    ).to_series()


def dot_variants(names: pl.Series, rng: np.random.Generator, variants: tuple[str, ...]) -> pl.Series:
    """Replace the standard middle dot with one of `variants`, chosen per name."""
    pick = pl.Series(np.array(variants, dtype=object)[rng.integers(0, len(variants), len(names))],
                     dtype=pl.String)
    return pl.select(
        pl.when(names.str.contains(MIDDLE_DOT, literal=True))
        .then(names.str.split(MIDDLE_DOT).list.join(pl.lit(pick)))
        .otherwise(names)
    ).to_series()
