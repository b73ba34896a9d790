"""The one normalizer: hard names, e-mails, phones and handles."""

from __future__ import annotations

import pytest

from auditor.normalize import (NameKnowledge, canonical_email, canonical_phone, clean_name,
                               handle_from_url, username_core, username_segments)


@pytest.mark.parametrize("raw,words,initials", [
    ("Dr. Ana-María Smith, LCSW (she/her) 🌿", ("ana", "maria", "smith"), ()),
    ("Nguyễn Thị Lan", ("nguyen", "thi", "lan"), ()),
    ("Łukasz Wiśniewski", ("lukasz", "wisniewski"), ()),
    ("María José Castellanos Ruiz", ("maria", "jose", "castellanos", "ruiz"), ()),
    ("SMITH, ANA", ("smith", "ana"), ()),
    ("A. Smith", ("smith",), ("a",)),
    ("Seán O'Brien", ("sean", "obrien"), ()),
    ("Mx. Jordan Lee, PhD, LMFT they/them", ("jordan", "lee"), ()),
    ("🌸✨", (), ()),
    ("   ", (), ()),
    ("Ｊｏｈｎ Ｓｍｉｔｈ", ("john", "smith"), ()),
    ("Müller-Lüdenscheidt", ("muller", "ludenscheidt"), ()),
])
def test_clean_name(raw, words, initials):
    cleaned = clean_name(raw)
    assert cleaned.words == words
    assert cleaned.initials == initials


def test_emoji_only_name_is_empty():
    assert clean_name("🌸✨").empty


@pytest.mark.parametrize("raw,canonical", [
    ("Ana.Smith+news@GMail.com", "anasmith@gmail.com"),
    ("ana.smith@googlemail.com", "anasmith@gmail.com"),
    ("Ana.Smith@Example.org", "ana.smith@example.org"),
    ("ana+tag@outlook.com", "ana@outlook.com"),
    ("mailto:ana@example.org", "ana@example.org"),
    ("not an email", ""),
    ("@example.org", ""),
])
def test_canonical_email(raw, canonical):
    assert canonical_email(raw) == canonical


@pytest.mark.parametrize("raw,region,e164", [
    ("(555) 201-3344", "US", "+15552013344"),
    ("+1 555 201 3344", "US", "+15552013344"),
    ("020 7946 0958", "GB", "+442079460958"),
    ("12", "US", ""),
    ("n/a", "US", ""),
])
def test_canonical_phone(raw, region, e164):
    assert canonical_phone(raw, region) == e164


@pytest.mark.parametrize("url,expected", [
    ("https://www.instagram.com/ana.smith/", ("instagram", "ana.smith")),
    ("https://www.instagram.com/_u/Ana.Smith", ("instagram", "ana.smith")),
    ("https://x.com/asmith?lang=en", ("x", "asmith")),
    ("https://twitter.com/intent/user?user_id=1712345678901234567", ("x", "1712345678901234567")),
    ("https://www.linkedin.com/in/ana-smith-12ab34", ("linkedin", "ana-smith-12ab34")),
    ("https://www.facebook.com/profile.php?id=100012345", ("facebook", "100012345")),
    ("https://www.tiktok.com/@ana.smith", ("tiktok", "ana.smith")),
    ("https://www.threads.net/@ana.smith", ("threads", "ana.smith")),
    ("https://bsky.app/profile/ana.bsky.social", ("bluesky", "ana.bsky.social")),
    ("https://mastodon.social/@ana", ("mastodon", "ana@mastodon.social")),
    ("https://example.org/about", None),
])
def test_handle_from_url(url, expected):
    assert handle_from_url(url) == expected


def test_username_segments():
    assert username_segments("Ana.Smith_88") == ("ana", "smith")
    assert username_core("a_smith1990") == "asmith"
    assert username_segments("1234") == ()


def test_nicknames_both_directions():
    names = NameKnowledge()
    assert "william" in names.canonicals("bill")
    assert "william" in names.canonicals("william")
    assert "bill" in names.nick_forms("william")
    assert len(names.canonicals("alex")) > 1          # ambiguous nickname
    assert names.canonicals("xqzt") == frozenset()


def test_phonetic_codes():
    names = NameKnowledge()
    assert set(names.phonetic("smith")) & set(names.phonetic("smyth"))
    assert names.phonetic("al") == ()


def test_business_credentials_are_not_name_words():
    assert clean_name("Tung Dang, SHRM-CP").words == ("tung", "dang")
    assert clean_name("Ana Lima, CFA").words == ("ana", "lima")
    assert clean_name("Hồng Nguyen, P.E.").words == ("hong", "nguyen")


def test_hyphen_joined_words_are_marked_as_one_compound():
    name = clean_name("Dr. Ana-María Smith-O'Neil, LCSW")
    assert name.words == ("ana", "maria", "smith", "oneil")
    assert name.joined == (1 << 1) | (1 << 3)
    assert clean_name("J. Nichols-Young").joined == 1 << 1        # the initial is not a word
    assert clean_name("Ana Smith").joined == 0


def test_surname_particles_are_numbered_apart_only_before_a_surname():
    from auditor.encode import PARTICLE_PART, surname_parts

    assert surname_parts(("van", "gils")) == [PARTICLE_PART, 0]
    assert surname_parts(("van", "den", "broek", "smit")) == [PARTICLE_PART, PARTICLE_PART + 1, 0, 1]
    assert surname_parts(("garcia", "de", "leon")) == [0, PARTICLE_PART, 1]
    assert surname_parts(("de",)) == [0]                   # no surname follows: it is the surname
    assert surname_parts(("le", "pham")) == [0, 1]         # Le is a surname, never a particle


def test_linkedin_hex_suffix_is_no_part_of_the_name():
    from auditor.normalize import profile_name_part, username_segments

    assert username_segments(profile_name_part("linkedin", "ferahdiba-erdogan-31dde5")) == ("ferahdiba", "erdogan")
    assert profile_name_part("linkedin", "ana-smith") == "ana-smith"
    assert profile_name_part("linkedin", "ana-smith-deaf") == "ana-smith-deaf"      # letters only: a name
    assert profile_name_part("instagram", "ana_smith-31dde5") == "ana_smith-31dde5"


def test_surname_patterns_glue_particles_and_never_stand_alone():
    from auditor.encode import JOINED_PATTERN, surname_pattern_forms

    assert surname_pattern_forms(("de", "bruin")) == {"bruin": 0, "debruin": 0}
    assert surname_pattern_forms(("nunes", "cirino")) == {"nunes": 0, "cirino": 0, "nunescirino": JOINED_PATTERN}
    assert surname_pattern_forms(("alves", "da", "cunha")) == {"alves": 0, "cunha": 0, "dacunha": 0,
                                                                "alvesdacunha": JOINED_PATTERN}
    assert surname_pattern_forms(("smith",)) == {"smith": 0}
