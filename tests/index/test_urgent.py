"""The urgent notice (issue 27): its trigger list both ways, the search JSON and the page."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from cradle.index.urgent import NOT_TRIGGERS, NOTICE, TRIGGERS, urgent

NOW = [
    "my baby is not breathing",
    "He fell down the stairs",
    "she won’t wake up",  # a curly apostrophe, as phones type it
    "baby WONT WAKE",
    "my son burnt his hand on the oven",
    "the baby has been scalded by a cup of tea",
    "he is choking on something",
    "baby turning blue",
    "I dropped the baby and she hit her head",
    "my partner shook the baby",
    "she swallowed a button battery",
    # a sign, a colour or a blow of the baby, however it is worded
    "baby is blue",
    "baby is blue and floppy",
    "floppy baby",
    "baby floppy and blue",
    "baby went limp",
    "baby limp after crying",
    "his lips are blue",
    "baby's lips are blue",
    "she looks grey and won't feed",
    "my boyfriend threw the baby",
    "he hit the baby",
    "the baby was shaken",
    # a state, something swallowed, a hot spill or a fall, however it is worded
    "baby fitting what do i do",
    "baby is fitting",
    "baby convulsing",
    "baby choking on a grape",
    "baby drank bleach",
    "baby ate one of my tablets",
    "kettle spilt on the baby",
    "baby fell off the changing table",
    "he rolled off the bed",
    "baby fell out of the cot",
    # unsure is still now
    "he may have drunk bleach",
    "think my baby might have eaten one of my tablets",
    "i'm scared he fell off the changing table",
    # signs of serious illness (the NHS's when to call 111 or 999)
    "baby is really hot and wont feed",
    "newborn breathing fast and grunting",
    "baby has a rash that doesnt fade under a glass",
    "non-blanching rash on my baby",
    "i think my baby has meningitis",
    "baby hasnt had a wet nappy all day",
    "baby has a temperature of 39",
    "my 6 week old has a high temp",
    "she has a temperature, what do i do",
    "baby temp 38.5",
    "my baby has a fever",
    "my 3 month old is feverish",
    "baby is feverish and not herself",
    "she hasn't had a single wet nappy today",
    "no wet or dirty nappies for 12 hours baby",
    "baby has purple spots rash",
]
NOT_NOW = [
    "safer sleep leaflet",
    "burns and scalds prevention",
    "choking hazards for babies",
    "abusive head trauma training",
    "falls prevention checklist",
    "fitting a stair gate",
    "bleeding on the brain in babies",
    "I am burnt out after a week of night shifts",
    "unconscious bias training for health visitors",
    "coping with a crying baby",
    "sudden infant death",
    "baby blues",
    "baby blue blanket",
    "blue badge for a disabled parent",
    "is blue a good colour for a nursery",
    "shaken baby syndrome training",
    "shaking a baby",
    "the baby kicked my ribs",
    "baby threw up on her",
    "how to support a newborn's floppy head",
    # a fear or a wish is for the resources on coping, not for 999
    "im scared i will hurt my baby",
    "i feel like hurting the baby",
    "he is fitting a stair gate",
    "fitting a car seat for a newborn",
    "baby choking prevention leaflet",
    "baby fell asleep on me",
    "she fell out with her mum about the baby",
    "baby ate well today",
    "baby drank all her milk",
    "how hot should the bath be for baby",
    "I drank alcohol can I breastfeed my baby",
    "my baby's cord stump fell off",
    "his dummy fell out",
    "my baby's eyes are blue",
    "is blue light bad for my baby",
    "my son has a limp",
    "meningitis vaccine for my baby",
    "sepsis awareness training for midwives",
    "what temperature should the baby's room be",
    "baby has a temperature of 37.5 is that ok",
    "room temperature for a newborn",
    "nappy rash cream for my baby",
    "how many wet nappies should a newborn have",
    "she has baby fever",
    # asking about a sign, a sign that is not there, or a thing's temperature
    "how to take a temperature in a baby",
    "how do i know if my baby has a temperature",
    "is 37.5 a high temp for a baby",
    "i have a fever can i still breastfeed my baby",
    "baby bath temperature 38 degrees",
    "baby temperature 98.6 is that normal",
    "baby temperature after 48 hours of vaccine",
    "baby has rash that fades when pressed",
    "my baby's rash blanches under a glass so is it ok",
    "baby rash glass test leaflet",
    "stopped feeding breast milk at 6 months",
    "not feeding baby after 7pm sleep training",
    "tips for dry nappies overnight potty training",
    "newborn grunting and straining when pooing normal",
    "signs of sepsis in babies",
    "symptoms of meningitis in babies",
    "meningitis b jab side effects baby",
]


@pytest.mark.parametrize("question", NOW)
def test_a_baby_hurt_or_unwell_now_is_urgent(question: str) -> None:
    assert urgent(question)


@pytest.mark.parametrize("question", NOT_NOW)
def test_a_question_about_a_topic_is_not_urgent(question: str) -> None:
    assert not urgent(question)


def test_every_trigger_is_urgent_alone_and_the_list_is_small() -> None:
    assert len(TRIGGERS) <= 80 and len(set(TRIGGERS)) == len(TRIGGERS)
    for trigger in TRIGGERS:
        assert trigger == trigger.casefold().strip() and urgent(f"help, {trigger}!"), trigger
    for phrase in NOT_TRIGGERS:
        assert not urgent(phrase), phrase


def test_triggers_match_whole_words_only() -> None:
    assert not urgent("unburnt toast") and not urgent("the bleedingly obvious")


def test_search_json_says_urgent_and_the_page_shows_the_notice_above_results(
    client: TestClient,
) -> None:
    body = client.get("/search", params={"q": "my baby fell down the stairs"}).json()
    assert body["urgent"] is True
    assert client.get("/search", params={"q": "safer sleep leaflet"}).json()["urgent"] is False
    page = client.get("/", params={"q": "baby won't wake up"}).text
    notice = page.index('class="notice urgent"')
    assert notice < page.index('id="results-heading"')
    assert 'href="tel:999"' in page and 'href="tel:111"' in page
    assert "not medical advice" in page
    calm = client.get("/", params={"q": "safer sleep leaflet"}).text
    assert 'class="notice urgent"' not in calm and "tel:999" not in calm


def test_the_command_line_prints_the_notice_first_for_an_urgent_question(data_dir: Path) -> None:
    from cradle.index.commands import run_search
    from tests.support import fake_settings

    filters: dict[str, str | None] = dict.fromkeys(
        ("locality", "topic", "format", "audience", "status")
    )
    out = io.StringIO()
    run_search(fake_settings(data_dir), "he is not breathing", filters, k=3, out=out)
    assert out.getvalue().startswith("If a baby may be hurt or unwell now, call 999")
    calm = io.StringIO()
    run_search(fake_settings(data_dir), "safer sleep leaflet", filters, k=3, out=calm)
    assert "999" not in calm.getvalue()
    assert NOTICE.endswith("Cradle is a catalogue of resources, not medical advice.")
