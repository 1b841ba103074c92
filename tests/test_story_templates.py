"""Stories of reprints against template announcements (issue 14): real xwlb items of one template
(another person, another year) are different stories; a reprint of one of them joins its story."""

from __future__ import annotations

import collections
import gzip
import json
import os
from pathlib import Path

import pytest

from search.normalize import clean_text, convert_for_display
from search.stories import StoryIndex, numbers_agree, same_story, signature

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(os.environ.get("XUNWEN_CORPUS") or ROOT.parent / "shared" / "corpus")

# The texts of real xwlb items (cleaned bodies, as the indexer hands them to the grouping).

# 2016-02-05 中央领导同志看望老同志 (xwlb-VIDEcgygrnQ7k037STCZ7ZCN160205)
OLD_COMRADES_2016 = (
    "央视网消息(新闻联播)：春节前夕，中共中央总书记、国家主席、中央军委主席习近平等党和国家领导人分别看望或委托有关方面负责"
    "同志看望了江泽民、胡锦涛、李鹏、朱镕基、李瑞环、吴邦国、温家宝、贾庆林、宋平、李岚清、曾庆红、吴官正、李长春、罗干、贺国"
    "强和田纪云、迟浩田、姜春云、钱其琛、王乐泉、王兆国、回良玉、刘淇、吴仪、曹刚川、曾培炎、王刚、王汉斌、何勇、王丙乾、邹家"
    "华、王光英、布赫、铁木尔·达瓦买提、彭珮云、周光召、曹志、李铁映、司马义·艾买提、何鲁丽、丁石孙、许嘉璐、蒋正华、顾秀莲"
    "、热地、盛华仁、路甬祥、乌云其木格、华建敏、陈至立、周铁农、司马义·铁力瓦尔地、蒋树声、桑国卫、唐家璇、梁光烈、戴秉国、"
    "肖扬、韩杼滨、贾春旺、叶选平、杨汝岱、任建新、宋健、钱正英、孙孚凌、万国权、胡启立、陈锦华、赵南起、毛致用、王忠禹、李贵"
    "鲜、张思卿、罗豪才、张克辉、郝建秀、徐匡迪、张怀西、李蒙、廖晖、白立忱、陈奎元、阿不来提·阿不都热西提、李兆焯、黄孟复、"
    "张梅颖、张榕明、钱运录、孙家正、李金华、郑万通、邓朴方、厉无畏、陈宗兴、王志珍等老同志，向老同志们致以诚挚的节日问候，衷"
    "心祝愿老同志们新春愉快、健康长寿。\n"
    "老同志们对此表示感谢，充分肯定党的十八大以来在以习近平同志为总书记的党中央领导下党和国家各项事业取得的显著成就，希望全党"
    "全国各族人民更加紧密地团结在以习近平同志为总书记的党中央周围，高举中国特色社会主义伟大旗帜，把党的十八大和十八届三中、四"
    "中、五中全会精神贯彻好、落实好，协调推进“四个全面”战略布局，牢固树立并切实贯彻创新、协调、绿色、开放、共享的发展理念，"
    "万众一心，艰苦奋斗，共同夺取全面建成小康社会决胜阶段的伟大胜利。"
)

# 2017-01-25 中央领导同志看望老同志 (xwlb-VIDE9zvX96SpDHklwa59CzW2170125)
OLD_COMRADES_2017 = (
    "央视网消息（新闻联播）：春节前夕，中共中央总书记、国家主席、中央军委主席习近平等党和国家领导人分别看望或委托有关方面负责"
    "同志看望了江泽民、胡锦涛、李鹏、朱镕基、李瑞环、吴邦国、温家宝、贾庆林、宋平、李岚清、曾庆红、吴官正、李长春、罗干、贺国"
    "强和田纪云、迟浩田、姜春云、钱其琛、王乐泉、王兆国、回良玉、刘淇、吴仪、曹刚川、曾培炎、王刚、王汉斌、何勇、王丙乾、邹家"
    "华、王光英、布赫、铁木尔·达瓦买提、彭珮云、周光召、曹志、李铁映、司马义·艾买提、何鲁丽、丁石孙、许嘉璐、蒋正华、顾秀莲"
    "、热地、盛华仁、路甬祥、乌云其木格、华建敏、陈至立、周铁农、司马义·铁力瓦尔地、蒋树声、桑国卫、唐家璇、梁光烈、戴秉国、"
    "肖扬、韩杼滨、贾春旺、叶选平、杨汝岱、任建新、宋健、钱正英、孙孚凌、万国权、胡启立、赵南起、毛致用、王忠禹、李贵鲜、张思"
    "卿、罗豪才、张克辉、郝建秀、徐匡迪、张怀西、李蒙、廖晖、白立忱、陈奎元、阿不来提·阿不都热西提、李兆焯、黄孟复、张梅颖、"
    "张榕明、钱运录、孙家正、李金华、郑万通、邓朴方、厉无畏、陈宗兴、王志珍等老同志，向老同志们致以诚挚的节日问候，衷心祝愿老"
    "同志们新春愉快、健康长寿。\n"
    "老同志们对此表示感谢，充分肯定党的十八大以来在以习近平同志为核心的党中央领导下党和国家各项事业取得的显著成就，希望全党全"
    "国各族人民更加紧密地团结在以习近平同志为核心的党中央周围，高举中国特色社会主义伟大旗帜，把党的十八大和十八届三中、四中、"
    "五中、六中全会精神贯彻好、落实好，进一步增强“四个意识”，统筹推进“五位一体”总体布局，协调推进“四个全面”战略布局，坚"
    "持稳中求进工作总基调，牢固树立和贯彻落实新发展理念，万众一心，艰苦奋斗，为实现“两个一百年”奋斗目标、实现中华民族伟大复"
    "兴的中国梦而不懈奋斗。"
)

# 2021-04-27 习近平就伊拉克发生医院火灾事故向伊拉克总统致慰问电 (xwlb-VIDEgHrgyaDU3oMieCrSMJNm210427)
IRAQ_CONDOLENCE_APRIL = (
    "央视网消息（新闻联播）：4月27日，国家主席习近平就伊拉克医院火灾事故，造成重大人员伤亡向伊拉克总统巴尔哈姆致慰问电，代"
    "表中国政府和中国人民，对遇难者表示深切的哀悼，向遇难者家属和伤者致以诚挚的慰问。"
)

# 2021-07-15 习近平就伊拉克发生医院火灾事故向伊拉克总统致慰问电 (xwlb-VIDExRCtdyHOsVKX4xpyHWcB210715)
IRAQ_CONDOLENCE_JULY = (
    "央视网消息（新闻联播）：7月15日，国家主席习近平就伊拉克医院火灾事故，造成重大人员伤亡向伊拉克总统巴尔哈姆致慰问电，代"
    "表中国政府和中国人民，对遇难者表示深切的哀悼，向遇难者家属和伤者致以诚挚的慰问。"
)

# 2022-05-31 江苏省委原副书记张敬华严重违纪违法被开除党籍和公职 (xwlb-VIDEt0ofvUuKTbY6PYTZ31k5220531)
CCDI_ZHANG_JINGHUA = (
    "央视网消息（新闻联播）：日前，经中共中央批准，中央纪委国家监委对第十九届中央候补委员、江苏省委原副书记张敬华严重违纪违法"
    "问题进行了立案审查调查。\n"
    "经查，张敬华丧失理想信念，背弃初心使命，对党不忠诚、不老实，处心积虑对抗组织审查，搞迷信活动；违反中央八项规定精神，违规"
    "收受礼品礼金；隐瞒不报个人有关事项，在干部选拔任用工作中为他人谋取利益；政绩观偏差，为谋求个人进步搞经济数据造假，违规干"
    "预插手市场经济活动；丧失纪法底线，大搞权钱交易，利用职务便利为他人在企业经营、工程承揽等方面谋利，并非法收受巨额财物。\n"
    "张敬华严重违反党的政治纪律和政治规矩、组织纪律、廉洁纪律、工作纪律和生活纪律，构成严重职务违法并涉嫌受贿犯罪，且在党的十"
    "八大后不收敛、不收手，性质严重，影响恶劣，应予严肃处理。依据《中国共产党纪律处分条例》《中华人民共和国监察法》《中华人民"
    "共和国公职人员政务处分法》等有关规定，经中央纪委常委会会议研究并报中央政治局会议审议，决定给予张敬华开除党籍处分；由国家"
    "监委给予其开除公职处分；终止其江苏省第十四次党代会代表资格；收缴其违纪违法所得；将其涉嫌犯罪问题移送检察机关依法审查起诉"
    "，所涉财物一并移送。给予其开除党籍的处分，待召开中央委员会全体会议时予以追认。"
)

# 2022-09-07 全国政协原常委 社会和法制委员会原主任沈德咏严重违纪违法被开除党籍和公职 (xwlb-VIDE9UquSZ4RPYCYNhRLm9ze220907)
CCDI_SHEN_DEYONG = (
    "央视网消息（新闻联播）：日前，经中共中央批准，中央纪委国家监委对第十九届中央委员，全国政协原常委、社会和法制委员会原主任"
    "沈德咏严重违纪违法问题进行了立案审查调查。\n"
    "经查，沈德咏丧失理想信念，背弃职责使命，罔顾党中央三令五申，大肆干预插手司法活动，从公平正义的守护者沦为法律秩序的践踏者"
    "，严重破坏司法公信力，对抗组织审查；违反中央八项规定精神，违规收受礼品礼金，违规接受可能影响公正执行公务的宴请和旅游；违"
    "反组织原则，对党不忠诚不老实，隐瞒不报个人有关事项，在组织函询时不如实说明问题，在干部选拔任用中违规为他人谋取利益；公器"
    "私用，纵容默许亲属、秘书利用其职务影响充当司法掮客，把党和人民赋予的权力当作谋取私利的工具；丧失纪法底线，执法犯法、靠案"
    "吃案，大搞司法腐败、权钱交易，利用职务便利为他人在案件处理、工程承揽等方面谋利，并非法收受巨额财物。\n"
    "沈德咏严重违反党的政治纪律和政治规矩、组织纪律、廉洁纪律和生活纪律，构成严重职务违法并涉嫌受贿犯罪，且在党的十八大后不收"
    "敛、不收手，性质严重，影响恶劣，应予严肃处理。依据《中国共产党纪律处分条例》《中华人民共和国监察法》《中华人民共和国公职"
    "人员政务处分法》等有关规定，经中央纪委常委会会议研究并报中央政治局会议审议，决定给予沈德咏开除党籍处分；由国家监委给予其"
    "开除公职处分；终止其党的十九大代表资格；收缴其违纪违法所得；将其涉嫌犯罪问题移送检察机关依法审查起诉，所涉财物一并移送。"
    "给予其开除党籍的处分，待召开中央委员会全体会议时予以追认。"
)

# 2023-06-28 中央军委举行晋升上将军衔仪式 习近平颁发命令状并向晋衔的军官表示祝贺 (xwlb-VIDEliZn06q5WYQ5MFlL4VsK230628)
GENERALS_2023 = (
    "央视网消息（新闻联播）：中央军委晋升上将军衔仪式28日在北京八一大楼举行。中央军委主席习近平出席晋衔仪式。\n"
    "下午4时30分许，晋衔仪式在庄严的国歌声中开始。中央军委副主席张又侠宣读了中央军委主席习近平签署的晋升上将军衔命令。中央"
    "军委副主席何卫东主持晋衔仪式。\n"
    "这次晋升上将军衔的军官是：北部战区政治委员郑璇、军事科学院政治委员凌焕新。\n"
    "晋升上将军衔的2位军官精神抖擞来到主席台前。习近平向他们颁发命令状，表示祝贺。佩戴了上将军衔肩章的2位军官向习近平敬礼，"
    "向参加仪式的全体同志敬礼，全场响起热烈掌声。\n"
    "晋衔仪式在嘹亮的军歌声中结束。随后，习近平等领导同志同晋升上将军衔的军官合影。\n"
    "中央军委委员李尚福、刘振立、苗华、张升民，军委机关各部门、军队驻京有关单位主要负责同志等参加晋衔仪式。"
)

# 2024-03-28 中央军委举行晋升上将军衔仪式 习近平颁发命令状并向晋衔的军官表示祝贺 (xwlb-VIDEK3HL8JtxhjMwERT6KYPk240328)
GENERALS_2024 = (
    "央视网消息（新闻联播）：中央军委晋升上将军衔仪式28日在北京八一大楼举行。中央军委主席习近平出席晋衔仪式。\n"
    "下午5时许，晋衔仪式在庄严的国歌声中开始。中央军委副主席张又侠宣读了中央军委主席习近平签署的晋升上将军衔命令。中央军委副"
    "主席何卫东主持晋衔仪式。\n"
    "这次晋升上将军衔的军官是：中央军委政法委员会书记王仁华、国防大学校长肖天亮。\n"
    "晋升上将军衔的2位军官精神抖擞来到主席台前。习近平向他们颁发命令状，表示祝贺。佩戴了上将军衔肩章的2位军官向习近平敬礼，"
    "向参加仪式的全体同志敬礼，全场响起热烈掌声。\n"
    "晋衔仪式在嘹亮的军歌声中结束。随后，习近平等领导同志同晋升上将军衔的军官合影。\n"
    "中央军委委员刘振立、苗华、张升民，军委机关各部门、军队驻京有关单位主要负责同志等参加晋衔仪式。"
)


def reprint(body: str, header: str = "來源：央視網") -> str:
    """A republisher's copy: the other script, its own header, title and editor line, and the last
    paragraph cut where there are three or more."""
    paragraphs = body.split("\n")
    kept = paragraphs[:-1] if len(paragraphs) >= 3 else paragraphs
    return f"{header}\n轉載：重要新聞\n{convert_for_display(chr(10).join(kept), 'traditional')}\n（責任編輯：王松濤）"


def wrapped(body: str, width: int) -> str:
    """The text hard-wrapped every ``width`` characters (fudan's typesetting, a PDF copy), then
    cleaned as the indexer cleans it."""
    return clean_text("\n".join(body[start : start + width] for start in range(0, len(body), width)))


# (one item, another item of its template): what differs between them.
TEMPLATE_PAIRS = [
    pytest.param(CCDI_ZHANG_JINGHUA, CCDI_SHEN_DEYONG, id="CCDI notices: another person, posts and charges"),
    pytest.param(OLD_COMRADES_2016, OLD_COMRADES_2017, id="看望老同志: another year, one name fewer"),
    pytest.param(GENERALS_2023, GENERALS_2024, id="晋升上将军衔: other officers, another hour"),
    pytest.param(IRAQ_CONDOLENCE_APRIL, IRAQ_CONDOLENCE_JULY, id="慰问电: another fire, another date"),
]


@pytest.mark.parametrize("first, second", TEMPLATE_PAIRS)
def test_items_of_one_template_are_different_stories(first, second):
    assert same_story(signature(first), signature(second)) is False


@pytest.mark.parametrize("first, second", TEMPLATE_PAIRS)
def test_a_reprint_joins_its_item_and_not_the_other(first, second):
    stories = StoryIndex()
    one, other = stories.add("one", first), stories.add("other", second)
    assert stories.add("reprint", reprint(first)) == one
    assert stories.groups() == {one: ["one", "reprint"], other: ["other"]}


@pytest.mark.parametrize(
    "first, second",
    [
        pytest.param(
            CCDI_ZHANG_JINGHUA, reprint(CCDI_ZHANG_JINGHUA), id="other script, header, paragraph cut"
        ),
        pytest.param(
            wrapped(CCDI_ZHANG_JINGHUA, 23), wrapped(CCDI_ZHANG_JINGHUA, 31), id="wrapped at two widths"
        ),
        pytest.param(
            OLD_COMRADES_2017, OLD_COMRADES_2017 + "\n" + IRAQ_CONDOLENCE_APRIL, id="a paragraph added"
        ),
    ],
)
def test_reprints_stay_one_story(first, second):
    # Sentences are compared whole: the grouping must not take a wrap or a cut for an edit.
    assert same_story(signature(first), signature(second)) is True


@pytest.mark.corpus
def test_xwlb_templates_have_one_story_per_item():
    """Ground truth over the whole corpus: every item of these templates is another event, save
    the items xwlb holds twice (the same day and title)."""
    if not CORPUS.exists():
        pytest.skip("../shared/corpus is absent")
    markers = (
        "严重违纪违法",
        "看望老同志",
        "慰问老同志",
        "举行仪式欢迎",
        "晋升上将",
        "主席团",
        "通报最新疫情",
    )
    with gzip.open(CORPUS / "xwlb.jsonl.gz", "rt", encoding="utf-8") as handle:
        items = [item for item in map(json.loads, handle) if any(m in item["title"] for m in markers)]
    wrong = collections.Counter()
    for marker in markers:
        stories = StoryIndex()
        reports = {item["id"]: item for item in items if marker in item["title"]}
        for doc_id, item in reports.items():
            stories.add(doc_id, clean_text(item["content"]))
        for members in stories.groups().values():
            wrong[marker] += len({(reports[m]["date"], reports[m]["title"]) for m in members}) - 1
    assert len(items) > 1300 and wrong == collections.Counter()


def test_the_store_keeps_what_tells_templates_apart(tmp_path):
    """Reopened from its store (a later indexing run), the grouping still tells the notices apart."""
    from search.indexer import index_paths
    from search.stories import StoryBook

    source = tmp_path / "docs" / "first.jsonl"
    source.parent.mkdir()
    record = {
        "id": "zhang",
        "title": "张敬华严重违纪违法被开除党籍和公职",
        "content": CCDI_ZHANG_JINGHUA,
        "date": "2022-05-31",
    }
    source.write_text(json.dumps(record, ensure_ascii=False) + "\n", encoding="utf-8")
    index_paths([source], tmp_path / "index", procs=1)
    book = StoryBook.open(tmp_path / "index")
    zhang = book.stories.story_of("zhang")
    assert book.add("shen", CCDI_SHEN_DEYONG) != zhang
    assert book.add("reprint", reprint(CCDI_ZHANG_JINGHUA)) == zhang


GENERALS_HOUR = "下午{}，晋衔仪式在庄严的国歌声中开始。"  # the sentence of GENERALS_2023 and GENERALS_2024


@pytest.mark.parametrize(
    "first, second, agree",
    [
        pytest.param(IRAQ_CONDOLENCE_APRIL, IRAQ_CONDOLENCE_JULY, False, id="4月27日 against 7月15日"),
        pytest.param(
            GENERALS_HOUR.format("4时30分许"),
            GENERALS_HOUR.format("5时许"),
            False,
            id="下午4时 against 下午5时",
        ),
        pytest.param(IRAQ_CONDOLENCE_APRIL, reprint(IRAQ_CONDOLENCE_APRIL), True, id="a reprint"),
    ],
)
def test_numbers_near_a_line_start_are_compared(first, second, agree):
    assert numbers_agree(signature(first).numbers, signature(second).numbers) is agree


# 2022-09-29 and 2023-09-29 (xwlb-VIDEE39bMWdozZbxmhMGjK4T220929, xwlb-VIDEfkuBlj5GVICjAUjoJu27230929):
# the announcement of 烈士纪念日's ceremony, word for word the same in both years.
MARTYRS_DAY_NOTICE = (
    "央视网消息（新闻联播）：9月30日是国家设立的烈士纪念日，当天上午，习近平等党和国家领导人将同各界代表一起，在天安门广场向"
    "人民英雄敬献花篮。\n届时，中央广播电视总台所属中央电视台综合频道、新闻频道、国防军事频道、中文国际频道、中国国际电视台各外"
    "语频道，中央人民广播电台中国之声、中国国际广播电台环球资讯广播等频率将进行现场直播；央视新闻、央视频、央视网等中央重点新媒"
    "体平台将同步转播。"
)


@pytest.mark.parametrize(
    "first, second, one_story",
    [
        ("2022-09-29", "2023-09-29", False),  # the same words a year on: another year's ceremony
        ("2022-09-29", "2022-10-03", True),  # a reprint a few days on
        ("2022-09-29", None, True),  # an undated copy: no window applies
        ("2022-09", "2022-09-29", True),  # a month alone counts from its first day
    ],
)
def test_the_same_text_far_apart_in_time_is_another_story(first, second, one_story):
    stories = StoryIndex()
    a = stories.add_signature("a", signature(MARTYRS_DAY_NOTICE, first))
    b = stories.add_signature("b", signature(reprint(MARTYRS_DAY_NOTICE), second))
    assert (a == b) is one_story
    assert (
        same_story(signature(MARTYRS_DAY_NOTICE, first), signature(MARTYRS_DAY_NOTICE, second)) is one_story
    )


def test_the_store_keeps_publication_days(tmp_path):
    from search.stories import StoryBook

    book = StoryBook(tmp_path, StoryIndex())
    book.stories.add_signature("a", signature(MARTYRS_DAY_NOTICE, "2022-09-29"))
    book.save(1)
    again = StoryBook.open(tmp_path)
    assert again.stories.add_signature(
        "b", signature(MARTYRS_DAY_NOTICE, "2023-09-29")
    ) != again.stories.story_of("a")
    assert again.stories.add_signature(
        "c", signature(MARTYRS_DAY_NOTICE, "2022-09-30")
    ) == again.stories.story_of("a")


def test_the_indexer_gives_each_document_its_publication_day(tmp_path):
    from search.indexer import index_paths
    from search.searcher import open_index

    rows = [
        {"id": "notice-2022", "title": "烈士纪念日向人民英雄敬献花篮仪式9月30日上午举行", "date": "2022-09-29",
         "content": MARTYRS_DAY_NOTICE},
        {"id": "notice-2023", "title": "烈士纪念日向人民英雄敬献花篮仪式9月30日上午举行", "date": "2023-09-29",
         "content": MARTYRS_DAY_NOTICE},
        {"id": "reprint-2022", "title": "敬献花篮仪式将举行", "date": "2022-09-30", "content": reprint(MARTYRS_DAY_NOTICE)},
    ]  # fmt: skip
    source = tmp_path / "notices.jsonl"
    source.write_text("\n".join(json.dumps(row, ensure_ascii=False) for row in rows) + "\n", encoding="utf-8")
    for procs in (1, 2):
        index_paths([source], tmp_path / f"index-{procs}", rebuild=True, procs=procs)
        index = open_index(tmp_path / f"index-{procs}")
        story = {row["id"]: index.search(f'"{row["title"]}"', per_page=5)["hits"] for row in rows}
        stories = {hit["id"]: hit["story"] for hits in story.values() for hit in hits}
        assert stories["notice-2022"] == stories["reprint-2022"] != stories["notice-2023"], (procs, stories)
