"""Golden cases for Chinese normalization and polyphone readings."""

import pytest

from index_tts.frontend.pipeline import normalize

NORMALIZATION = [
    # integers, decimals, negatives
    ("我有3个苹果", "我有三个苹果"),
    ("共2个人", "共两个人"),
    ("2000人参加", "两千人参加"),
    ("人口1005人", "人口一千零五人"),
    ("100000元", "十万元"),
    ("总数1,234,567", "总数一百二十三万四千五百六十七"),
    ("圆周率3.14", "圆周率三点一四"),
    ("零点5和0.5", "零点五和零点五"),
    ("温度是-5度", "温度是负五度"),
    ("特工007", "特工零零七"),
    ("第3名", "第三名"),
    ("第 12 届", "第十二届"),
    # percentages and fractions
    ("增长了50%", "增长了百分之五十"),
    ("下降-3.5%", "下降负百分之三点五"),
    ("浓度2‰", "浓度千分之二"),
    ("3/4的人同意", "四分之三的人同意"),
    ("1/3", "三分之一"),
    # ranges
    ("3~5天", "三到五天"),
    ("3-5天", "三到五天"),
    ("10～20人", "十到二十人"),
    # dates
    ("今天是2026年1月19日", "今天是二零二六年一月十九日"),
    ("2026-01-19发布", "二零二六年一月十九日发布"),
    ("2026/1/9发布", "二零二六年一月九日发布"),
    ("1998年出生", "一九九八年出生"),
    ("3月8号", "三月八号"),
    ("见第3-5页.", "见第三到五页."),
    # times
    ("现在是14:30", "现在是十四点三十分"),
    ("10:00开会", "十点整开会"),
    ("2:05出发", "两点零五分出发"),
    ("成绩2:01:51", "成绩两点零一分五十一秒"),
    # phone numbers
    ("电话13812345678", "电话幺三八幺二三四五六七八"),
    ("拨打+86 13912345678", "拨打幺三九幺二三四五六七八"),
    ("座机010-12345678", "座机零幺零幺二三四五六七八"),
    ("热线400-123-4567", "热线四零零幺二三四五六七"),
    # money
    ("价格¥12.50", "价格十二点五元"),
    ("售价￥99", "售价九十九元"),
    ("只要$3.99", "只要三点九九美元"),
    ("花了€20", "花了二十欧元"),
    ("50元", "五十元"),
    # units
    ("延迟200ms", "延迟二百毫秒"),
    ("时速120km/h", "时速一百二十公里每小时"),
    ("体重65kg", "体重六十五千克"),
    ("跑了5km", "跑了五公里"),
    ("内存16GB", "内存十六GB"),
    ("气温-5℃", "气温零下五摄氏度"),
    ("体温36.5°C", "体温三十六点五摄氏度"),
    ("频率2.4GHz", "频率二点四吉赫兹"),
    ("电池5000mAh", "电池五千毫安时"),
    # full-width, symbols, emoji
    ("ＡＩ模型１２３", "AI模型一百二十三"),
    ("你好😀世界🎉", "你好世界"),
    ("1+1=2", "一加一等于二"),
    # URLs and e-mails
    ("访问www.example.com", "访问WWW点example点com"),
    ("邮箱zhang.san@example.com", "邮箱zhang点san艾特example点com"),
]

POLYPHONES = [
    ("我去银行取钱", "yin2 hang2"),
    ("他在路上行走", "xing2 zou3"),
    ("重庆是山城", "chong2 qing4"),
    ("孩子长大了", "zhang3 da4"),
    ("长城很长", "chang2 cheng2 hen3 chang2"),
    ("我明天还钱", "huan2 qian2"),
    ("还有一件事", "hai2 you3"),
    ("我喜欢音乐", "yin1 yue4"),
    ("祝你生日快乐", "kuai4 le4"),
    ("重新开始", "chong2 xin1"),
    ("这很重要", "zhong4 yao4"),
    ("银行的行长", "yin2 hang2 de5 hang2 zhang3"),
    ("我觉得不行", "jue2 de5 bu4 xing2"),
    ("他还是来了", "hai2 shi4"),
    ("校长在开会", "xiao4 zhang3"),
    ("一月一日", "yi1 yue4"),
    ("数据处理", "shu4 ju4 chu3 li3"),
]


@pytest.mark.parametrize(("text", "expected"), NORMALIZATION)
def test_chinese_normalization(text: str, expected: str) -> None:
    from index_tts.frontend.cleaning import clean_text

    assert normalize(clean_text(text), "zh") == expected


@pytest.mark.parametrize(("text", "expected"), POLYPHONES)
def test_polyphone_readings(frontend, text: str, expected: str) -> None:
    pinyin = " ".join(s.pinyin for s in frontend.process(text, "zh").segments)
    assert expected in pinyin, pinyin


def test_golden_case_count() -> None:
    assert len(NORMALIZATION) + len(POLYPHONES) >= 60


def test_mixed_sentence_keeps_english_words_in_english(frontend) -> None:
    segment = frontend.process("我们用GPU训练AI模型", "auto").segments[0]
    assert segment.language == "zh"
    assert "ʤˌipʰˌijˈu" in segment.phonemes  # G-P-U spelled by the English G2P, its P aspirated
    assert "ˌAˈI" in segment.phonemes
    assert segment.pinyin.startswith("wo3 men5 yong4")


def test_english_words_in_chinese_keep_the_aspiration_of_p_t_k(frontend) -> None:
    """Kokoro writes aspiration for Mandarin only (pʰ = pinyin p, p = pinyin b): an English word inside a
    Chinese sentence gets it written where English has it, or its P is heard as B."""
    mixed = frontend.process("请用PDF格式发给我，别用Spotify的topic。", "zh").segments[0].phonemes
    assert "pʰˌidˌiˈɛf" in mixed  # word-initial
    assert "spˈɑ" in mixed  # not after s
    assert "tʰˈɑpɪk" in mixed  # the final k of an unstressed syllable stays plain
    english = frontend.process("Please send the PDF.", "en").segments[0].phonemes
    assert "ʰ" not in english  # English sentences are left as the English G2P writes them
    from index_tts.frontend.g2p import aspirate_onsets

    assert aspirate_onsets("kəmpjˈuTəɹ ətˈæk ɛkspɹˈɛs") == "kʰəmpʰjˈuTəɹ ətʰˈæk ɛkspɹˈɛs"


def test_a_character_without_a_reading_is_skipped_not_a_failure(frontend) -> None:
    """pypinyin has no reading for a few dozen CJK characters (兙, 瓧, 龦…): they are left unspoken and the rest
    of the sentence is read, instead of the request failing."""
    from index_tts.common.errors import TTSError

    with_rare = frontend.process("我们兙一起去公园。", "zh").segments
    plain = frontend.process("我们一起去公园。", "zh").segments
    assert [s.phonemes for s in with_rare] == [s.phonemes for s in plain]
    with pytest.raises(TTSError):  # nothing readable at all: the usual "nothing to speak"
        frontend.process("兙瓧", "zh")
