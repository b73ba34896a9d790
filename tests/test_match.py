"""Each kind of evidence, on keyed encodings only."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from auditor.clients import ClientRecord
from auditor.connection_features import encode_connections
from auditor.encode import Encoder, Kind, Role
from auditor.keys import PracticeKey
from auditor.match import Matcher, MatchSettings
from auditor.roster import encode_roster
from auditor.spelling import NearSpellings
from connectors.interface import Connection

FILLER = [("Harold", "Finch"), ("Marisol", "Ventura"), ("Oskar", "Lindahl"), ("Beatriz", "Lacerda"),
          ("Yusuf", "Demir"), ("Rosalind", "Pike"), ("Desmond", "Agyei"), ("Wen", "Zhao"),
          ("Tariq", "Mansour"), ("Eleanor", "Voss"), ("Juniper", "Hale"), ("Nikolai", "Petrov")]


def _client(cid: str, given: str, surname: str, **extra) -> ClientRecord:
    return ClientRecord(line=0, client_id=cid, given=given.lower().split(), surnames=surname.lower().split(),
                        **extra)


def _roster(records):
    records = list(records) + [_client(f"f{i}", g, s) for i, (g, s) in enumerate(FILLER)]
    return records


def _match(key: PracticeKey, records, connections, settings: MatchSettings | None = None):
    keys = key.subkeys()
    encoder = Encoder(keys)
    roster = encode_roster(keys, records, encoder)
    encoded = encode_connections(encoder, connections)
    return {(m.connection, records[m.client].client_id): m for m in Matcher(settings).match(roster, encoded)}


def conn(**fields) -> Connection:
    fields.setdefault("platform", "facebook")
    fields.setdefault("relation", "mutual")
    fields.setdefault("source", "test")
    return Connection(**fields)


@pytest.fixture
def key() -> PracticeKey:
    return PracticeKey(bytes(range(32)), "test")


def _levels(match) -> dict[str, str]:
    return {e.what: e.level for e in match.evidence}


def test_email_phone_and_handle_confirm(key):
    records = _roster([_client("1", "Ana", "Smith", emails=["ana.smith@gmail.com"], phones=["+15552013344"],
                               handles=[("instagram", "ana.s")])])
    found = _match(key, records, [
        conn(platform="mailchimp", relation="subscriber", email="Ana.Smith+x@gmail.com"),
        conn(phone="(555) 201-3344"),
        conn(platform="instagram", relation="follower", username="Ana.S"),
        conn(platform="x", relation="follower", username="ana.s"),
    ])
    assert found[(0, "1")].tier == "confirmed" and _levels(found[(0, "1")])["e-mail"] == "exact"
    assert found[(1, "1")].tier == "confirmed"
    assert found[(2, "1")].tier == "confirmed"
    assert found[(3, "1")].tier in ("likely", "possible")       # same handle, another platform
    assert _levels(found[(3, "1")])["handle"] == "other-platform"


def test_exact_swapped_and_decorated_names_are_likely(key):
    records = _roster([_client("1", "Margaret", "Okafor")])
    # One list each: three people of one list who all fit her would share her (one account per list).
    found = _match(key, records, [conn(display_name="Margaret Okafor"),
                                  conn(display_name="OKAFOR, Margaret", platform="linkedin"),
                                  conn(display_name="Dr. Margaret Okafor, LCSW (she/her) 🌿", platform="instagram")])
    for i in range(3):
        assert found[(i, "1")].tier == "likely"
        assert _levels(found[(i, "1")]) == {"given name": "exact", "surname": "exact"}


def test_nickname_both_directions(key):
    records = _roster([_client("1", "William", "Thornbury"), _client("2", "Bill", "Ashcombe")])
    found = _match(key, records, [conn(display_name="Bill Thornbury"), conn(display_name="William Ashcombe")])
    assert _levels(found[(0, "1")])["given name"] == "nickname" and found[(0, "1")].tier == "likely"
    assert _levels(found[(1, "2")])["given name"] == "nickname" and found[(1, "2")].tier == "likely"


@pytest.mark.parametrize("registered, shown, direct_registered, direct_shown, level", [
    # 'Sandy' for Alex: both are forms of Alexandra, neither of the other; a person seldom shows
    # one for the other.
    ("Alex", "Sandy", "Alexandra", "Sandy", "related-nickname"),
    # 'David' for Dave (the nicknames data know no longer name 'Dave' is): an EHR holds the legal
    # name, and one who is legally Dave seldom shows David; David shown as Dave is the common way.
    ("Dave", "David", "David", "Dave", "nickname-reversed"),
])
def test_a_weaker_nickname_link_weighs_less_than_a_direct_one(key, registered, shown, direct_registered,
                                                               direct_shown, level):
    records = _roster([_client("1", registered, "Thornbury"), _client("2", direct_registered, "Ashcombe")])
    found = _match(key, records, [conn(display_name=f"{shown} Thornbury"),
                                  conn(display_name=f"{direct_shown} Ashcombe", platform="linkedin")],
                   MatchSettings(possible=0.001))
    weaker, direct = found[(0, "1")], found[(1, "2")]
    assert _levels(weaker)["given name"] == level
    assert _levels(direct)["given name"] == "nickname"
    weaker_w, direct_w = (next(e.weight for e in m.evidence if e.what == "given name") for m in (weaker, direct))
    # At least half the odds: the direct nickname's m is shared by the name's nicknames (Alexandra
    # has four), the weaker level's is a tenth (related) or a fifth (reversed) of the whole level.
    assert weaker_w < direct_w - 1
    assert weaker.score < direct.score


def test_a_roster_encoded_before_direct_nickname_marks_keeps_every_nickname_direct(key):
    keys = key.subkeys()
    encoder = Encoder(keys)
    records = _roster([_client("1", "Alex", "Thornbury")])
    roster = encode_roster(keys, records, encoder)
    old = ~np.isin(roster.tokens["kind"], [int(Kind.NICK_ROOT), int(Kind.NICK_FORM)])
    assert not old.all()
    roster.tokens = {name: column[old] for name, column in roster.tokens.items()}
    encoded = encode_connections(encoder, [conn(display_name="Sandy Thornbury")])
    (found,) = [m for m in Matcher(MatchSettings(possible=0.001)).match(roster, encoded) if m.client == 0]
    assert _levels(found)["given name"] == "nickname"


def test_direct_nickname_links_share_a_mark_both_ways_and_related_ones_none(key):
    keys = key.subkeys()
    encoder = Encoder(keys)

    def marks(word: str, role: Role) -> set[tuple[int, int]]:
        return {(kind, token) for token, kind in encoder._word_tokens(word, role)
                if kind in (Kind.NICK_ROOT, Kind.NICK_FORM)}

    assert marks("william", Role.GIVEN) & marks("bill", Role.UNKNOWN)       # the roster has the name
    assert marks("bill", Role.GIVEN) & marks("william", Role.UNKNOWN)       # the roster has the nickname
    assert not marks("alex", Role.GIVEN) & marks("sandy", Role.UNKNOWN)     # both nicknames of Alexandra
    assert not marks("william", Role.GIVEN) & marks("william", Role.UNKNOWN)


def test_a_username_holds_direct_nickname_forms_only(key):
    records = _roster([_client("1", "Alex", "Thornbury"), _client("2", "William", "Ashcombe")])
    found = _match(key, records, [conn(platform="instagram", relation="follower", username="sandythornbury"),
                                  conn(platform="instagram", relation="follower", username="billashcombe")],
                   MatchSettings(possible=0.001))
    sandy = found.get((0, "1"))
    assert sandy is None or not any(e.what == "username" and e.level == "pattern" for e in sandy.evidence)
    assert _levels(found[(1, "2")]).get("username") == "pattern"


def test_typo_is_rescued_by_bloom_dice(key):
    records = _roster([_client("1", "Dolores", "Fairweather")])
    found = _match(key, records, [conn(display_name="Dolores Fairwether")])
    assert _levels(found[(0, "1")])["surname"] in ("similar-spelling", "sounds-alike")
    assert found[(0, "1")].tier == "likely"


def test_usernames_built_from_names(key):
    records = _roster([_client("1", "Jonathan", "Pemberton"), _client("2", "Anastasia", "Kowalczyk"),
                       _client("3", "William", "Thornbury")])
    found = _match(key, records, [
        conn(platform="instagram", relation="follower", username="jpemberton88"),
        conn(platform="instagram", relation="follower", username="anastasiakowalczyk_art"),
        conn(platform="instagram", relation="follower", username="billthornbury"),
        conn(platform="tiktok", relation="follower", username="kowalczyk.anastasia"),   # her other account
    ])
    assert found[(0, "1")].evidence[0].text.startswith("username is first initial + surname")
    assert found[(1, "2")].tier == "likely"
    assert "nickname" in found[(2, "3")].evidence[0].text
    assert found[(3, "2")].tier == "likely"


def test_initial_and_surname_is_only_possible(key):
    records = _roster([_client("1", "Evelyn", "Marchetti")])
    found = _match(key, records, [conn(display_name="E. Marchetti")])
    assert found[(0, "1")].tier == "possible"


def test_lookalikes_are_not_reported(key):
    records = _roster([_client("1", "Margaret", "Okafor"), _client("2", "William", "Thornbury")])
    found = _match(key, records, [conn(display_name="Daniel Okafor"), conn(display_name="William Ashford"),
                                  conn(platform="instagram", relation="follower", username="thornbury_bakery"),
                                  conn(platform="mailchimp", relation="subscriber", email="olivia.okafor@example.com")])
    assert not found


def test_two_clients_with_one_name_are_ambiguous(key):
    records = _roster([_client("1", "Ana", "Quintero"), _client("2", "Ana", "Quintero")])
    found = _match(key, records, [conn(display_name="Ana Quintero")])
    assert found[(0, "1")].ambiguous and found[(0, "2")].ambiguous
    assert found[(0, "1")].score <= 0.5


def test_married_name_from_other_names(key):
    records = _roster([_client("1", "Rebecca", "Stanhope Albright")])
    found = _match(key, records, [conn(display_name="Becky Albright")])
    assert found[(0, "1")].tier == "likely"


def test_encoding_is_deterministic_per_key_and_differs_across_keys(key):
    records = _roster([_client("1", "Ana", "Smith", emails=["ana@example.org"])])
    a = encode_roster(key.subkeys(), records)
    b = encode_roster(key.subkeys(), records)
    other = encode_roster(PracticeKey(bytes(32), "other").subkeys(), records)
    assert np.array_equal(a.tokens["token"], b.tokens["token"])
    assert np.array_equal(a.filters["bits"], b.filters["bits"])
    assert a.refs.tolist() == b.refs.tolist()
    assert not set(a.tokens["token"].tolist()) & set(other.tokens["token"].tolist())
    assert not set(a.refs.tolist()) & set(other.refs.tolist())


_ENCODE_IN_A_PROCESS = """
import hashlib
from auditor.clients import ClientRecord
from auditor.connection_features import encode_connections
from auditor.encode import Encoder
from auditor.keys import PracticeKey
from auditor.roster import encode_roster
from connectors.interface import Connection
keys = PracticeKey(bytes(range(32)), "test").subkeys()
records = [ClientRecord(line=0, client_id=str(i), given=[g], surnames=[s])
           for i, (g, s) in enumerate([("alex", "thornbury"), ("bill", "ashcombe"), ("kathy", "okafor")])]
encoder = Encoder(keys)
roster = encode_roster(keys, records, encoder)
conns = encode_connections(encoder, [Connection(platform="x", relation="follower", source="t", display_name="Sandy Okafor",
                                                username="alexthornbury_art")])
digest = hashlib.sha256()
for arrays in (roster.tokens, roster.filters, conns.tokens, conns.filters):
    for name in sorted(arrays):
        digest.update(arrays[name].tobytes())
print(digest.hexdigest())
"""


def test_encoding_is_the_same_in_every_process():
    """Sets of names (nickname groups, username pieces) iterate in an order that changes with
    Python's string hashing per process; the encoded rows must not."""
    import os
    import subprocess
    import sys

    digests = {subprocess.run([sys.executable, "-c", _ENCODE_IN_A_PROCESS], check=True, capture_output=True, text=True,
                              env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2", "3")}
    assert len(digests) == 1


def test_no_identity_no_match(key):
    records = _roster([_client("1", "Ana", "Smith")])
    assert not _match(key, records, [conn(display_name="🌸✨")])


def test_parallel_encoding_equals_serial(key, monkeypatch):
    import auditor.connection_features as cf

    connections = [conn(display_name=f"Person{i % 7} Example{i % 11}", username=f"user{i}") for i in range(60)]
    serial = cf.encode_connections(Encoder(key.subkeys()), connections, workers=1)
    monkeypatch.setattr(cf, "PARALLEL_MIN", 10)
    parallel = cf.encode_connections(Encoder(key.subkeys()), connections, workers=3)
    for group in ("tokens", "filters"):
        for name, values in getattr(serial, group).items():
            assert np.array_equal(values, getattr(parallel, group)[name]), (group, name)
    assert np.array_equal(serial.name_words, parallel.name_words) and parallel.size == 60


def test_parallel_roster_encoding_equals_serial(key, monkeypatch):
    import auditor.roster as roster_module

    records = [_client(str(i), f"Given{i % 13}", f"Surname{i % 17} Second{i % 5}", emails=[f"p{i}@example.org"],
                       associated=[f"Kin{i % 3} Surname{i % 17}"] if i % 4 == 0 else []) for i in range(50)]
    serial = encode_roster(key.subkeys(), records, workers=1)
    monkeypatch.setattr(roster_module, "PARALLEL_MIN", 10)
    parallel = encode_roster(key.subkeys(), records, workers=3)
    for group in ("tokens", "filters"):
        for name, values in getattr(serial, group).items():
            assert len(values) and np.array_equal(values, getattr(parallel, group)[name]), (group, name)
    assert np.array_equal(serial.refs, parallel.refs) and parallel.tokens["owner"].max() == len(serial.refs) - 1 > 50


def test_a_display_word_the_client_lacks_counts_against(key):
    records = _roster([_client("1", "Heitor", "Silveira")])
    found = _match(key, records, [conn(display_name="Heitor Silveira"),
                                  conn(display_name="Heitor Goncalves Silveira", platform="linkedin")])
    assert found[(0, "1")].score > found[(1, "1")].score


def test_identical_given_names_are_exact_not_nickname(key):
    records = _roster([_client("1", "Gary", "Thornbury")])
    found = _match(key, records, [conn(display_name="Gary Thornbury")])
    assert _levels(found[(0, "1")]) == {"given name": "exact", "surname": "exact"}


def test_typo_after_the_second_letter_is_still_a_candidate(key):
    records = _roster([_client("1", "Jonathan", "Pemberton")])
    found = _match(key, records, [conn(display_name="Joanthan Pemberton"),
                                  conn(display_name="Jonathan Pemberrton", platform="linkedin")])
    for i in range(2):
        assert found[(i, "1")].tier in ("likely", "possible")
        assert set(_levels(found[(i, "1")]).values()) & {"similar-spelling", "sounds-alike"}


def test_namesakes_in_the_list_lower_the_score(key):
    records = _roster([_client("1", "Rosalind", "Quarrington")])
    alone = _match(key, records, [conn(display_name="Rosalind Quarrington")])
    crowd = _match(key, records, [conn(display_name="Rosalind Quarrington")] * 1
                   + [conn(display_name="Rosalind Quarrington", platform="x", relation="follower",
                           username=f"rq{i}") for i in range(6)])
    assert crowd[(0, "1")].score < alone[(0, "1")].score


def test_one_account_per_list_shares_a_client(key):
    """Two different people of one list who both fit a client share her; one person who fills
    two rows of a list (friend and followed) does not compete with itself; another list, or
    another of the therapist's accounts, may hold the client again."""
    records = _roster([_client("1", "Rosalind", "Quarrington")])
    ig = {"platform": "instagram", "display_name": "Rosalind Quarrington"}
    one = _match(key, records, [conn(**ig, username="rosie.q")])
    two_people = _match(key, records, [conn(**ig, username="rosie.q"), conn(**ig, username="rq.photos")])
    same_person = _match(key, records, [conn(**ig, username="rosie.q", relation="follower"),
                                        conn(**ig, username="Rosie.Q", relation="following")])
    by_name = _match(key, records, [conn(display_name="Rosalind Quarrington", relation="friend"),
                                    conn(display_name="Rosalind Quarrington", relation="following")])
    two_lists = _match(key, records, [conn(**ig, username="rosie.q"), conn(**ig, username="rq.photos",
                                                                           account="practice.page")])
    assert two_people[(0, "1")].score <= 0.5 < one[(0, "1")].score
    assert two_people[(1, "1")].score <= 0.5
    assert same_person[(0, "1")].score == same_person[(1, "1")].score > 0.9
    assert by_name[(0, "1")].score == by_name[(1, "1")].score > 0.9
    # Two friends of one friend list with the same name are two people (a list names a person once).
    two_friends = _match(key, records, [conn(display_name="Rosalind Quarrington", relation="friend"),
                                        conn(display_name="Rosalind Quarrington", relation="friend")])
    assert two_friends[(0, "1")].score == two_friends[(1, "1")].score <= 0.5
    assert two_lists[(0, "1")].score == two_lists[(1, "1")].score > 0.9
    off = _match(key, records, [conn(**ig, username="rosie.q"), conn(**ig, username="rq.photos")],
                 MatchSettings(one_account_per_platform=False))
    assert off[(1, "1")].score > 0.9


def test_short_words_one_edit_apart_are_a_typo_but_not_a_new_first_letter(key):
    records = _roster([_client("1", "Ryan", "Butterfield"), _client("2", "Mason", "Pettigrew")])
    found = _match(key, records, [conn(display_name="Ryzn Butterfield"), conn(display_name="Jason Pettigrew")])
    assert _levels(found[(0, "1")])["given name"] == "similar-spelling"
    assert found[(0, "1")].tier in ("likely", "possible")
    jason = found.get((1, "2"))
    assert jason is None or _levels(jason).get("given name") != "similar-spelling"


def test_word_variants_are_keyed_and_deterministic(key):
    a = Encoder(key.subkeys()).variants("ryan")
    assert a == Encoder(key.subkeys()).variants("ryan")
    assert not set(a) & set(Encoder(PracticeKey(bytes(32), "other").subkeys()).variants("ryan")) - {0}
    assert set(Encoder(key.subkeys()).variants("ryzn")[1:]) & set(a[1:]) - {0}    # share 'ryn'


def test_a_middle_initial_does_not_stand_in_for_a_shown_given_name(key):
    records = _roster([_client("1", "Cheryl", "Wolstenholme"), _client("2", "Carmen", "Mendoza Ferrer")])
    found = _match(key, records, [conn(display_name="Cameron C. Wolstenholme"), conn(display_name="C. Mendoza Ferrer")])
    cameron = found.get((0, "1"))
    assert cameron is None or _levels(cameron).get("given name") != "initial"
    assert _levels(found[(1, "2")])["given name"] == "initial"


def test_name_co_occurrence_is_measured_per_name():
    """Clustered names (one language's given names with its few surnames) get their own, higher
    excess; freely mixing names get less than the roster's average; a name seen once keeps it."""
    import pandas as pd

    from auditor.namesakes import rho_per_client
    # clients 0-3: given 1 always with surname 10 (observed 3 others each, expected 0.5 each);
    # clients 4-7: given 2 with surnames 20-23 (observed 0, expected 0.5 each); client 8: given 3, no data.
    both = pd.DataFrame({"client": range(9), "token_x": [1] * 4 + [2] * 4 + [3],
                         "token_y": [10] * 4 + [20, 21, 22, 23] + [30]})
    observed = np.array([3.0] * 4 + [0.0] * 4 + [0.0])
    expected = np.array([0.5] * 8 + [0.0])
    rho = rho_per_client(both, observed, expected, 2.0, pseudo=0.25)
    assert rho[0] == pytest.approx(rho[3])
    assert rho[0] > 2.0 > rho[4]
    assert rho[4] >= 1.0
    assert rho[8] == pytest.approx(2.0)


def test_name_co_occurrence_in_the_lists_is_counted_within_each_list_without_clients():
    """Three people of one list named 'Tung Nguyen' see two namesakes each; the same name in
    another list is another list (a friend on two platforms is no namesake of herself), and a
    client's own name is left out (her accounts are no namesakes of her)."""
    from auditor.namesakes import list_cooccurrence, pair_key

    words = pd.DataFrame({"conn": [0, 0, 1, 1, 2, 2, 3, 3, 4, 4], "token": [1, 10, 1, 10, 1, 10, 2, 20, 1, 10],
                          "who": [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]})
    listing = np.array([0, 0, 0, 0, 1])
    joined = words.merge(words[["who", "token"]], on="who")
    joined = joined[joined["token_x"].to_numpy() < joined["token_y"].to_numpy()]
    keys = pair_key(joined["token_x"].to_numpy(), joined["token_y"].to_numpy())
    counted = list_cooccurrence(joined, keys, words, listing, pd.Index([], dtype=np.uint64))
    assert counted.loc[1, "o"] == counted.loc[10, "o"] == 6          # list 0: 3 people x 2 others
    assert counted.loc[1, "e"] == pytest.approx(3 * (2 * 2 / 3))        # (n - 1)^2 / (people - 1) each
    assert counted.loc[2, "o"] == 0 and counted.loc[2, "e"] == 0
    client = pd.Index(pair_key(np.array([1]), np.array([10])))
    assert 1 not in list_cooccurrence(joined, keys, words, listing, client).index


def test_clustered_names_in_the_lists_raise_the_namesake_estimate(key):
    """Given names of one language seen again and again with its few surnames (Minh, Huy, Tung with
    Nguyen, Tran, Le) make a client with such a name likelier to have namesakes: her exact name
    weighs less than when the same people are spread over separate lists."""
    records = _roster([_client("1", "Tung", "Duong"), _client("2", "Minh", "Tran"), _client("3", "Huy", "Le"),
                       _client("4", "Lan", "Nguyen"), _client("5", "Quan", "Duong")])
    others = ["Tung Nguyen", "Minh Nguyen", "Huy Tran"] * 4
    others += [f"{g} {FILLER[(i + k) % len(FILLER)][1]}" for i, (g, _) in enumerate(FILLER) for k in (1, 2, 3)]

    def score(spread: bool) -> float:
        people = [conn(display_name=name, platform=f"p{i}" if spread else "facebook", relation="friend")
                  for i, name in enumerate(others)]
        found = _match(key, records, [conn(display_name="Tung Duong", platform="instagram")] + people,
                       MatchSettings(possible=0.001, estimate_m=False, prior_rounds=0))
        return found[(0, "1")].score

    assert score(spread=False) < score(spread=True)


def test_share_of_clients_is_estimated_per_list(key):
    """A list where many people are confirmed clients (a newsletter the clients signed up to)
    gets a higher prior than a list of strangers: the same surname-only match scores higher there."""
    given = ["Aurelio", "Brunhilde", "Casimir", "Delphine", "Evander", "Florentyna", "Gaspard", "Honorata",
             "Ignatius", "Jolanta", "Kasimir", "Leokadia"]
    surnames = ["Abernathy", "Brzezinski", "Castellanos", "Drummond", "Eskildsen", "Fairweather",
                "Gorczyca", "Halloran", "Iwaszkiewicz", "Jorgensen", "Kilbride", "Lindqvist"]
    records = _roster([_client(str(i), g, s, emails=[f"{g}.{s}@example.org".lower()])
                       for i, (g, s) in enumerate(zip(given, surnames))] + [_client("99", "Wilhelmina", "Osterhagen")])
    newsletter = [conn(platform="mailchimp", relation="subscriber", email=f"{g}.{s}@example.org".lower())
                  for g, s in zip(given, surnames)]
    strangers = [conn(display_name=f"{g} {s}") for g, s in zip(given[::-1], ["Quimby", "Rasmussen", "Stankiewicz",
                 "Thorvaldsen", "Underhill", "Vasquez", "Wojcik", "Xavier", "Yablonski", "Zeller", "Amundsen",
                 "Bergstrom"])] * 20
    lists = newsletter + [conn(platform="mailchimp", relation="subscriber", display_name="Osterhagen",
                               email="w.o.1987@example.net")] + strangers + [conn(display_name="Osterhagen")]
    found = _match(key, records, lists)
    in_newsletter, on_facebook = len(newsletter), len(lists) - 1
    assert found[(in_newsletter, "99")].score > found[(on_facebook, "99")].score + 0.1
    flat = _match(key, records, lists, MatchSettings(prior_rounds=0))
    assert flat[(in_newsletter, "99")].score == pytest.approx(flat[(on_facebook, "99")].score, abs=0.02)


def test_near_spellings_count_only_neighbours_as_rare_as_the_word_seen(key):
    encoder = Encoder(key.subkeys())

    def words(*texts):
        return {"variants": np.array([encoder.variants(w) for w in texts], dtype=np.uint32)}

    seen = words("mary", "mary", "marc", "jenjins", "jenkins", "jeknins", "karina", "david", "david", "daivs")
    near = NearSpellings.measure(seen, words("mark", "jenkins", "marina", "davis"))

    def chance(roster_row: int, conn_row: int) -> float:
        return float(near.as_rare(np.array([roster_row]), np.array([conn_row]))[0])

    assert chance(0, 0) == 3        # mark ~ mary: both Marys and the Marc
    assert chance(0, 2) == 1        # mark ~ marc: only words as rare as 'marc'
    assert chance(1, 3) == 2        # jenkins ~ jenjins, jeknins (a swap shares a deletion); not jenkins itself
    assert chance(2, 6) == 0        # a new first letter is not one edit here (Karina, Marina)
    assert chance(3, 9) == 1        # davis ~ daivs: the Davids are commoner than the word seen
    assert chance(3, 7) == 3        # ... but count when the word seen is 'david'


def _strangers(count: int, seed: int = 3) -> list[Connection]:
    """Made-up names of no client: an audit large enough for chance rates to be measured."""
    rng = np.random.default_rng(seed)

    def word(n: int) -> str:
        return "".join(rng.choice(list("bcdfghjklmnpqrstvwxz"), n)) + "a"

    return [conn(display_name=f"{word(6)} {word(8)}", platform="x") for _ in range(count)]


def test_a_common_name_one_edit_away_is_weaker_than_a_misspelling(key):
    """'Mary Pollington' is one edit from client Mark Pollington, and so is 'Makr Pollington'; in a
    list with many Marys the first is more likely a Mary than a typo, the second is no name at all."""
    records = _roster([_client("1", "Mark", "Pollington")])
    strangers = _strangers(2000)
    marys = [conn(display_name=f"Mary {s.display_name.split()[1]}", platform="x") for s in _strangers(200, seed=4)]
    found = _match(key, records, [conn(display_name="Mary Pollington"), conn(display_name="Makr Pollington",
                                                                             platform="linkedin")]
                   + strangers + marys, MatchSettings(possible=0.01))
    assert _levels(found[(0, "1")])["given name"] == _levels(found[(1, "1")])["given name"] == "similar-spelling"
    weight = {i: {e.what: e.weight for e in found[(i, "1")].evidence}["given name"] for i in (0, 1)}
    assert weight[0] + 2 < weight[1]
    assert found[(0, "1")].score < found[(1, "1")].score


def test_typo_in_the_first_two_letters_is_still_a_candidate(key):
    """With surnames too common to block alone, a typo in the first letters leaves no shared
    pair with the client's first letters, but one with the last two."""
    records = _roster([_client("1", "Jennifer", "Higginbottom"), _client("2", "Jacqueline", "Waltersdorf")])
    relatives = [conn(display_name=f"{g} {s}", platform="x") for g, _ in FILLER
                 for s in ("Higginbottom", "Waltersdorf")]
    found = _match(key, records, [conn(display_name="Jnenifer Higginbottom"),
                                  conn(display_name="Jsacqueline Waltersdorf", platform="linkedin")]
                   + relatives + _strangers(2000))
    for i, client in ((0, "1"), (1, "2")):
        assert found[(i, client)].tier in ("likely", "possible")
        assert _levels(found[(i, client)])["given name"] == "similar-spelling"


def test_m_of_a_name_level_is_estimated_from_the_audits_scores():
    """EM M-step: a level's m becomes the score-weighted share of pairs at that level (held
    towards its default), and the pairs at that level move by the change of log2 m."""
    from auditor.encode import Kind, Source
    from auditor.estimate import M_LEVELS, NameLevels

    n = 1000
    kind = np.full(n, float(Kind.WORD))
    kind[:100] = float(Kind.PHONETIC)            # 100 sounds-alike given names, 900 exact
    table = pd.DataFrame({
        "given_w": np.full(n, 5.0), "given_kind": kind, "given_src": np.full(n, float(Source.NAME)),
        "sur_w": np.full(n, 8.0), "sur_kind": np.full(n, float(Kind.WORD)), "sur_src": np.full(n, float(Source.NAME)),
        "together": 0.0, "given_disagree": 0.0, "sur_disagree": 0.0, "extra": 0.0, "extra_n": np.int8(0),
        "pat_w": np.nan, "id_w": np.nan, "use_pattern": False})
    table["name_w"] = 13.0
    table["logit"] = -5.0 + 13.0
    score = np.where(np.arange(n) < 100, 0.01, 0.9)  # the sounds-alike pairs are seldom the client
    levels = NameLevels.of(table, MatchSettings())
    levels.update_m(table, score, pseudo=0.0)
    phonetic = ("given", int(Kind.PHONETIC))
    expected = 100 * 0.01 / (100 * 0.01 + 900 * 0.9)
    assert levels.m[phonetic] == pytest.approx(expected)
    shift = np.log2(expected / M_LEVELS[phonetic])
    assert table["given_w"].iloc[0] == pytest.approx(5.0 + shift)
    surname = ("sur", int(Kind.WORD))              # every pair agrees on it: m = 1
    assert levels.m[surname] == pytest.approx(1.0)
    assert table["logit"].iloc[0] == pytest.approx(8.0 + shift + np.log2(1.0 / M_LEVELS[surname]))
    assert levels.m[("given", int(Kind.WORD))] == pytest.approx(900 * 0.9 / (100 * 0.01 + 900 * 0.9))
    held = NameLevels.of(table, MatchSettings())
    held.update_m(table, score, pseudo=1e9)        # a huge pseudo-count keeps the defaults
    assert held.m[phonetic] == pytest.approx(M_LEVELS[phonetic], rel=1e-3)


def test_a_handle_cut_at_fifteen_characters_still_shows_the_name(key):
    records = _roster([_client("1", "Dietlind", "Heidrichsen"), _client("2", "Gertraude", "Harloffsky")])
    found = _match(key, records, [conn(platform="x", relation="follower", username="dietlindheidric"),
                                  conn(platform="x", relation="follower", username="gertraude_harlo",
                                       account="second")])
    for i, client in ((0, "1"), (1, "2")):
        assert found[(i, client)].tier == "likely"
        assert _levels(found[(i, client)]) == {"username": "pattern"}
    # Shorter than the limit, a handle was not cut: 'hannahwilliams' is not Hannah Williamson cut short.
    records = _roster([_client("1", "Hannah", "Williamson")])
    found = _match(key, records, [conn(platform="x", relation="follower", username="hannahwilliams")],
                   MatchSettings(possible=0.001))
    match = found.get((0, "1"))
    assert match is None or _levels(match).get("username") != "pattern"


def test_a_username_with_both_surnames_weighs_both(key):
    records = _roster([_client("1", "Mercedes", "Bernal Sisneros")])
    found = _match(key, records, [conn(platform="instagram", relation="follower", username="mbernalsisneros1972"),
                                  conn(platform="x", relation="follower", username="mbernal1972")]
                   + _strangers(2000))
    both, one = found[(0, "1")], found[(1, "1")]
    assert both.evidence[0].text.endswith("(both surnames)") and not one.evidence[0].text.endswith("surnames)")
    assert both.evidence[0].weight > one.evidence[0].weight
    assert both.tier == "likely"


def test_a_username_segment_is_not_both_surname_and_given_name(key):
    """'magana.rebeca' holds the surname Magana; the 'ana' inside it is not also Ana's given name."""
    records = _roster([_client("1", "Ana", "Quezada Magana"), _client("2", "Rebeca", "Magana")])
    found = _match(key, records, [conn(platform="instagram", relation="follower", username="magana.rebeca")],
                   MatchSettings(possible=0.001))
    ana = found.get((0, "1"))
    assert ana is None or ("in-username" not in {e.level for e in ana.evidence} and ana.score < 0.1)
    assert found[(0, "2")].tier == "likely"


def test_a_cut_handle_that_keeps_only_the_surname_is_no_name_pattern(key):
    """'castanedagaraysamantha' cut at 14 letters is 'castanedagaray': the surnames alone, not a
    pattern of given name and surname."""
    records = _roster([_client("1", "Irma Samantha", "Castaneda Garay")])
    found = _match(key, records, [conn(platform="x", relation="follower", username="m_castanedagaray")],
                   MatchSettings(possible=0.001))
    match = found.get((0, "1"))
    assert match is None or ("pattern" not in {e.level for e in match.evidence} and match.tier != "likely")


def test_a_lone_shown_word_that_is_neither_name_counts_against(key):
    """The client's TikTok handle on X, under the name 'Kaja': another given name, not hers."""
    records = _roster([_client("1", "Ursula", "Serrato", handles=[("tiktok", "silversketch94")])])
    plain = _match(key, records, [conn(platform="x", relation="follower", username="silversketch94")])
    kaja = _match(key, records, [conn(platform="x", relation="follower", username="silversketch94",
                                      display_name="Kaja")], MatchSettings(possible=0.001))
    ursula = _match(key, records, [conn(platform="x", relation="follower", username="silversketch94",
                                        display_name="Ursula")])
    assert _levels(kaja[(0, "1")])["given name"] == "differs"
    assert kaja[(0, "1")].score < plain[(0, "1")].score <= ursula[(0, "1")].score


def test_no_shorter_name_inside_a_username_word_the_display_name_shows(key):
    """'catrin-trubin' under the name 'Catrin Trubin': the segment is the word Trubin, not Trub + 'in'."""
    records = _roster([_client("1", "Catrin", "Trub")])
    found = _match(key, records, [conn(platform="linkedin", display_name="Catrin Trubin",
                                       profile_url="https://www.linkedin.com/in/catrin-trubin")],
                   MatchSettings(possible=0.001))
    match = found.get((0, "1"))
    assert match is None or "in-username" not in {e.level for e in match.evidence}
    glued = _match(key, records, [conn(platform="instagram", username="catrintrub_art")])
    assert glued[(0, "1")].tier == "likely"          # glued words are still read


def test_a_word_hyphen_joined_to_the_surname_is_not_the_given_name(key):
    """'Joyce Nichols-Young' has the compound surname Nichols-Young: she is not Nicholas Young."""
    records = _roster([_client("1", "Nicholas", "Young")])
    found = _match(key, records, [conn(display_name="Joyce Nichols-Young"), conn(display_name="Nichols Young"),
                                  conn(display_name="Nicholas Young-Adams")], MatchSettings(possible=0.001))
    joined = found.get((0, "1"))
    assert joined is None or (_levels(joined).get("given name") == "differs" and joined.tier == "possible")
    assert _levels(found[(1, "1")])["given name"] != "differs"      # not joined: a close spelling
    assert found[(2, "1")].tier == "likely"                            # the given name before the compound


def test_a_surname_particle_alone_is_no_surname_evidence(key):
    """'Renske van Kempen' shares only 'van' with Renske van Gils; 'Renske van Gils' is her."""
    records = _roster([_client("1", "Renske", "van Gils"), _client("2", "Minh", "Le")])
    found = _match(key, records, [conn(display_name="Renske van Kempen"), conn(display_name="Renske van Gils"),
                                  conn(display_name="Minh Le")], MatchSettings(possible=0.001))
    kempen = found.get((0, "1"))
    assert kempen is None or (_levels(kempen).get("surname") == "differs" and kempen.score < 0.1)
    assert found[(1, "1")].tier == "likely" and _levels(found[(1, "1")])["surname"] == "exact"
    assert found[(2, "2")].tier == "likely"          # 'le' alone is a surname (Lê), not a particle


def test_m_of_a_word_the_roster_lacks_is_estimated_from_the_audits_scores():
    """EM M-step: m of an unexplained display word = score-weighted words per pair; the pairs
    showing such words move by their count x the change of log2 m."""
    from auditor.estimate import NameLevels

    n = 1000
    extra_n = np.zeros(n, dtype=np.int8)
    extra_n[:200] = 1                                 # 200 pairs show one word the roster lacks
    extra_n[:50] = 2                                  # ... 50 of them two
    s = MatchSettings()
    per_word = np.log2(s.extra_word_m / s.extra_word_u)
    table = pd.DataFrame({
        "given_w": np.full(n, 5.0), "given_kind": np.nan, "given_src": np.nan, "sur_w": np.full(n, 8.0),
        "sur_kind": np.nan, "sur_src": np.nan, "together": 0.0, "given_disagree": 0.0, "sur_disagree": 0.0,
        "extra_n": extra_n, "extra": extra_n * per_word, "pat_w": np.nan, "id_w": np.nan, "use_pattern": False})
    table["name_w"] = 13.0 + table["extra"]
    table["logit"] = -5.0 + table["name_w"]
    score = np.where(extra_n > 0, 0.05, 0.9)          # pairs with such words are seldom the client
    levels = NameLevels.of(table, s)
    levels.update_m(table, score, pseudo=0.0)
    m = (150 * 0.05 + 50 * 2 * 0.05) / (200 * 0.05 + 800 * 0.9)
    assert levels.extra_m == pytest.approx(m)
    assert table["extra"].iloc[0] == pytest.approx(2 * np.log2(m / s.extra_word_u))
    assert table["logit"].iloc[0] == pytest.approx(-5.0 + 13.0 + 2 * np.log2(m / s.extra_word_u))
    assert table["logit"].iloc[999] == pytest.approx(-5.0 + 13.0)


def test_a_particle_and_a_linkedin_id_make_no_username_pattern(key):
    """'ferahdiba-erdogan-31dde5' holds 'dde': neither d + 'de' (Dani de Bruin) nor any name."""
    records = _roster([_client("1", "Dani", "de Bruin")])
    found = _match(key, records, [conn(platform="linkedin", relation="mutual", display_name="Ferahdiba Erdogan",
                                       profile_url="https://www.linkedin.com/in/ferahdiba-erdogan-31dde5/"),
                                  conn(platform="instagram", relation="follower", username="danidebruin")],
                   MatchSettings(possible=0.001))
    stranger = found.get((0, "1"))
    assert stranger is None or stranger.score < 0.05
    assert found[(1, "1")].tier == "likely"


def test_namesakes_are_counted_on_every_platform_where_they_must_be_strangers(key):
    """Three friends named like the client on Facebook are at least two strangers with her
    name, which makes the same name on X less telling; the name once on each of three other
    platforms may be the client every time, and says nothing of strangers."""
    records = _roster([_client("1", "Rosalind", "Quarrington")])
    on_x = conn(platform="x", relation="follower", username="rq", display_name="Rosalind Quarrington")
    friends = [conn(display_name="Rosalind Quarrington", relation="friend") for _ in range(3)]
    spread = [conn(platform=p, relation="follower", username=f"rq.{p}", display_name="Rosalind Quarrington")
              for p in ("instagram", "tiktok", "threads")]
    strangers = _strangers(300)
    crowded = _match(key, records, [on_x] + friends + strangers)
    alone = _match(key, records, [on_x] + spread + strangers)
    assert crowded[(0, "1")].score < alone[(0, "1")].score - 0.02


def test_a_given_name_shown_in_a_compound_or_after_another_first_name_differs(key):
    """'Ralf-Peter' is not Ralf, 'Juan Carlos' is not José Carlos; 'Anna-Lena' is Anna-Lena (the
    client reader splits her given name in two words, as here),
    'Carlos Monroy' may be José Carlos Monroy, and a compound surname stays a surname."""
    records = _roster([_client("1", "Ralf", "Zimmermeister"), _client("2", "jose carlos", "Monroyaldo"),
                       _client("3", "anna lena", "Bergfeldt"), _client("4", "Lisa", "Dunnington")])
    shown = ["Ralf-Peter Zimmermeister", "Juan Carlos Monroyaldo", "Anna-Lena Bergfeldt", "Carlos Monroyaldo",
             "Lisa Dunnington-Vargas", "Ralf Zimmermeister"]
    found = _match(key, records, [conn(display_name=d) for d in shown], MatchSettings(possible=0.001))
    for row, client in ((0, "1"), (1, "2")):
        other = found.get((row, client))
        assert other is None or (_levels(other)["given name"] == "differs" and other.tier == "possible")
    assert found[(2, "3")].tier == "likely"
    assert _levels(found[(3, "2")])["given name"] == "exact"
    assert _levels(found[(4, "4")])["given name"] == "exact"
    assert found[(5, "1")].tier == "likely"


def test_the_evidence_join_drops_a_chance_collision_of_its_combined_key():
    """Evidence joins (client, token) on one 64-bit key; two different pairs that share that
    key by chance must not join."""
    from auditor.match import _client_token_key

    t1 = np.int64(0x1234_5678_9ABC_DEF)
    t0 = _client_token_key(np.array([1]), np.array([t1]))[0]    # key(0, t) is t: client 0's token t0 collides
    assert _client_token_key(np.array([0]), np.array([t0]))[0] == _client_token_key(np.array([1]), np.array([t1]))[0]
    pairs = pd.DataFrame({"conn": np.array([0, 0], np.int32), "client": np.array([1, 0], np.int32)})
    c_tok = pd.DataFrame({"conn": np.array([0, 0], np.int32), "token": np.array([t1, t0], np.int64),
                          "kind": np.array([5, 5], np.int8), "c_part": np.array([0, 1], np.int16),
                          "c_source": np.array([0, 0], np.int8)})
    r_tok = pd.DataFrame({"client": np.array([0], np.int32), "token": np.array([t0], np.int64),
                          "r_part": np.array([0], np.int16), "r_role": np.array([1], np.int8),
                          "r_source": np.array([0], np.int8)})
    ev = Matcher()._evidence(pairs, c_tok, r_tok)
    assert ev[["client", "token"]].values.tolist() == [[0, int(t0)]]      # client 0's own token only


def test_matching_runs_with_freed_memory_reused(key, monkeypatch):
    import contextlib

    import auditor.match as match_module

    entered = []

    @contextlib.contextmanager
    def recorder():
        entered.append("in")
        yield True
        entered.append("out")

    monkeypatch.setattr(match_module, "reuse_freed_memory", recorder)
    records = _roster([_client("1", "Gary", "Thornbury")])
    found = _match(key, records, [conn(display_name="Gary Thornbury")])
    assert (0, "1") in found
    assert entered == ["in", "out"]


def test_a_name_shown_twice_is_given_name_and_surname(key):
    """'Mai Mai': the same word is the given name and the surname, each on its own word."""
    records = _roster([_client("1", "Mai", "Mai"), _client("2", "Mai", "Tran")])
    found = _match(key, records, [conn(display_name="Mai Mai"), conn(display_name="Mai Tran")])
    assert _levels(found[(0, "1")]) == {"given name": "exact", "surname": "exact"}
    assert found[(0, "1")].score > 0.9
    assert (1, "1") not in found or found[(1, "1")].score < 0.1


def test_a_name_shown_twice_blocks_on_its_pair(key):
    """Without a pair token a common word ('mai') alone never makes the pair a candidate."""
    from auditor.encode import Kind

    keys = key.subkeys()
    encoder = Encoder(keys)
    roster = encode_roster(keys, [_client("1", "Mai", "Mai")], encoder)
    encoded = encode_connections(encoder, [conn(display_name="Mai Mai")])
    pairs = {int(t) for t, k in zip(roster.tokens["token"], roster.tokens["kind"]) if k == Kind.PAIR}
    shown = {int(t) for t, k in zip(encoded.tokens["token"], encoded.tokens["kind"]) if k == Kind.PAIR}
    assert pairs & shown


def _weights(match) -> dict[str, float]:
    return {e.what: e.weight for e in match.evidence}


def test_a_handle_elsewhere_built_from_the_name_counts_its_name_once(key):
    """'w_lester' on X next to Whitney Lester's Instagram 'w_lester': a stranger named W. Lester
    builds that username too; 'mistylens34' says nothing about a name and keeps its weight."""
    records = _roster([_client("1", "Whitney", "Lester", handles=[("instagram", "w_lester")]),
                       _client("2", "Augusto", "Llamas", handles=[("instagram", "mistylens34")])])
    found = _match(key, records, [conn(platform="x", relation="follower", username="w_lester"),
                                  conn(platform="x", relation="follower", username="mistylens34")])
    built, plain = _weights(found[(0, "1")]), _weights(found[(1, "2")])
    assert _levels(found[(0, "1")])["handle"] == "other-platform"
    assert built["handle"] < plain["handle"] - 5
    assert found[(0, "1")].score < found[(1, "2")].score


def test_a_misspelt_second_surname_is_not_a_word_she_lacks(key):
    """'Sofia Abeu Gomes': 'gomes' matched, 'abeu' is her other surname misspelt, not a word
    her name lacks (as 'Teixeira' is)."""
    records = _roster([_client("1", "Sofia", "Abreu Gomes")])
    found = _match(key, records, [conn(display_name="Sofia Abeu Gomes"),
                                  conn(display_name="Sofia Gomes Teixeira", platform="linkedin"),
                                  conn(display_name="Sofia Gomes", platform="x")])
    misspelt, other, plain = found[(0, "1")].score, found[(1, "1")].score, found[(2, "1")].score
    assert misspelt > other
    assert misspelt >= plain


def test_a_rare_nickname_spelling_says_more_than_a_common_one(key):
    """Bill and Willie are both William; strangers who show 'Willie' are many in this audit,
    'Bill' hardly anyone: the spelling shown, not only the name it stands for, sets the chance."""
    records = _roster([_client("1", "William", "Thornbury"), _client("2", "William", "Ashcombe")])
    strangers = [conn(display_name=f"Willie {surname}", platform="instagram")
                 for surname in ("Hale", "Voss", "Petrov", "Mansour", "Okafor", "Lindqvist", "Brandt", "Ferreira")]
    found = _match(key, records, [conn(display_name="Bill Thornbury"), conn(display_name="Willie Ashcombe"),
                                  *strangers], MatchSettings(possible=0.001))
    rare, common = found[(0, "1")], found[(1, "2")]
    assert _levels(rare)["given name"] == _levels(common)["given name"] == "nickname"
    rare_w, common_w = (next(e.weight for e in m.evidence if e.what == "given name") for m in (rare, common))
    assert rare_w > common_w
