"""Regenerate the bundled sample data (made-up people only). Not used at run time.

    python -m sample_data._generate

Writes an EHR client export and format-faithful Facebook, Instagram and generic
(newsletter) exports in which some clients appear under nicknames, usernames,
emoji names and typos, next to look-alike non-clients. `PLANTED` and
`LOOKALIKES` below are the ground truth the tests check the demo against.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

ROOT = Path(__file__).parent
EXPORTS = ROOT / "exports"
FB = EXPORTS / "facebook-lenahartcounseling-2026-11-01-aB3dE9fG"
IG = EXPORTS / "instagram-lena.hart.counseling-2026-11-01-Hx72KqLm"

CLIENT_HEADER = ["Client ID", "First Name", "Last Name", "Preferred Name", "Other Names", "E-mail",
                 "Mobile Phone", "Social Handles", "Status", "Discharge Date", "Clinician"]
CLIENTS = [
    ["1001", "William", "Thornbury", "", "", "w.thornbury@example.com", "(555) 201-3344", "", "Active", "", "Lena Hart"],
    ["1002", "Margaret", "Okafor", "", "", "mokafor@example.net", "", "", "Active", "", "Lena Hart"],
    ["1003", "Chloé", "Dubois-Martin", "", "", "", "", "", "Active", "", "Lena Hart"],
    ["1004", "Lan", "Nguyễn", "", "", "", "+1 555 203 9981", "", "Active", "", "Lena Hart"],
    ["1005", "Łukasz", "Wiśniewski", "", "", "", "", "", "Discharged", "2024-05-17", "Lena Hart"],
    ["1006", "Rebecca", "Stanhope", "", "Albright", "", "", "", "Active", "", "Lena Hart"],
    ["1007", "Jonathan", "Pemberton", "", "", "", "", "", "Active", "", "Lena Hart"],
    ["1008", "Priya", "Raghunathan", "", "", "", "", "instagram:priya.raghunathan", "Active", "", "Lena Hart"],
    ["1009", "Samuel", "Achterberg", "", "", "", "", "", "Active", "", "Lena Hart"],
    ["1010", "Dolores", "Fairweather", "", "", "", "", "", "Active", "", "Lena Hart"],
    ["1011", "María José", "Castellanos Ruiz", "", "", "", "", "", "Active", "", "Lena Hart"],
    ["1012", "Kenji", "Watanabe", "", "", "kenji.watanabe@example.org", "", "", "Active", "", "Lena Hart"],
    ["1013", "Theodore", "Blackwood", "", "", "tedblackwood@gmail.com", "", "", "Discharged", "2025-09-30", "Lena Hart"],
    ["1014", "Anastasia", "Kowalczyk", "", "", "", "", "", "Active", "", "Lena Hart"],
    ["1015", "Robert", "Lindqvist", "", "", "", "", "", "Active", "", "Lena Hart"],
    ["1016", "Harriet", "Ellsworth", "", "", "", "", "", "Active", "", "Lena Hart"],
    ["1017", "Olufemi", "Adeyemi", "", "", "", "", "", "Discharged", "2023-02-01", "Lena Hart"],
    ["1018", "Grace", "Whitlock", "", "", "grace.whitlock@example.com", "", "", "Active", "", "Lena Hart"],
    ["1019", "Ingrid", "Solberg", "", "", "", "", "", "Active", "", "Lena Hart"],
    ["1020", "Evelyn", "Marchetti", "", "", "", "", "", "Active", "", "Lena Hart"],
    ["1021", "Tobias", "Quennell", "Toby", "", "", "", "", "Active", "", "Lena Hart"],
    ["1022", "Fatima", "Haddad", "", "", "", "", "", "Discharged", "2022-11-15", "Lena Hart"],
]

# (export, locator, client_id, how it appears, tier floor): what a human calls a match.
PLANTED = [
    ("facebook", "your_friends.json#friends_v2[2]", "1002", "exact name", "likely"),
    ("facebook", "your_friends.json#friends_v2[5]", "1003", "accented name (mojibake in file)", "likely"),
    ("facebook", "your_friends.json#friends_v2[8]", "1004", "Vietnamese name with diacritics, family name first", "likely"),
    ("facebook", "your_friends.json#friends_v2[11]", "1005", "Polish name with diacritics", "likely"),
    ("facebook", "your_friends.json#friends_v2[13]", "1006", "nickname + maiden name", "likely"),
    ("facebook", "your_friends.json#friends_v2[16]", "1009", "nickname + emoji", "likely"),
    ("facebook", "your_friends.json#friends_v2[19]", "1010", "typo in given name", "likely"),
    ("facebook", "your_friends.json#friends_v2[21]", "1011", "one of two surnames", "likely"),
    ("facebook", "your_friends.json#friends_v2[24]", "1015", "title, nickname, credential, pronouns", "likely"),
    ("facebook", "your_friends.json#friends_v2[26]", "1016", "swapped order, capitals", "likely"),
    ("facebook", "who_you've_followed.json#following_v3[1]", "1017", "exact name (former client)", "likely"),
    ("facebook", "received_friend_requests.json#received_requests_v2[0]", "1021", "preferred name", "likely"),
    ("instagram", "followers_1.json#[1]", "1007", "username initial+surname+digits", "likely"),
    ("instagram", "followers_1.json#[3]", "1008", "handle on file", "confirmed"),
    ("instagram", "followers_1.json#[6]", "1014", "username full name + suffix", "likely"),
    ("instagram", "following.json#relationships_following[1]", "1001", "username nickname+surname", "likely"),
    ("generic", "newsletter_subscribers.csv:line 3", "1012", "e-mail", "confirmed"),
    ("generic", "newsletter_subscribers.csv:line 5", "1013", "Gmail e-mail with dots and +tag", "confirmed"),
    ("generic", "newsletter_subscribers.csv:line 7", "1018", "e-mail in capitals", "confirmed"),
    ("facebook", "your_friends.json#friends_v2[29]", "1020", "initial + surname", "possible"),
]

# Non-clients that resemble a client; none may be reported above `possible`.
LOOKALIKES = [
    ("facebook", "your_friends.json#friends_v2[3]", "same surname as a client (Okafor)"),
    ("facebook", "your_friends.json#friends_v2[6]", "same given name as a client (William)"),
    ("facebook", "your_friends.json#friends_v2[9]", "same given name as a client (Lan)"),
    ("facebook", "your_friends.json#friends_v2[14]", "same given name, similar surname (Ingrid)"),
    ("facebook", "your_friends.json#friends_v2[17]", "same surname as a client (Achterberg)"),
    ("facebook", "who_you've_followed.json#following_v3[2]", "a business named after a client's surname"),
    ("instagram", "followers_1.json#[4]", "a shop account containing a client's surname"),
    ("instagram", "followers_1.json#[7]", "given name only (grace)"),
    ("generic", "newsletter_subscribers.csv:line 4", "e-mail sharing a client's surname"),
]

FRIENDS = [
    ("Marisol Ventura", 1651234567), ("Harold Finch", 1652234567), ("Margaret Okafor", 1653234567),
    ("Daniel Okafor", 1654234567), ("Priscilla Tam", 1655234567), ("Chloé Dubois-Martin", 1656234567),
    ("William Ashford", 1657234567), ("Beatriz Lacerda", 1658234567), ("Nguyễn Thị Lan", 1659234567),
    ("Lan Tran", 1660234567), ("Oskar Lindahl", 1661234567), ("Łukasz Wiśniewski", 1662234567),
    ("Yusuf Demir", 1663234567), ("Becky Albright", 1664234567), ("Ingrid Solheim", 1665234567),
    ("Rosalind Pike", 1666234567), ("Sam Achterberg 🌲", 1667234567), ("Clara Achterberg", 1668234567),
    ("Desmond Agyei", 1669234567), ("Delores Fairweather", 1670234567), ("Wen Zhao", 1671234567),
    ("María Castellanos", 1672234567), ("Tariq Mansour", 1673234567), ("Eleanor Voss", 1674234567),
    ("Dr. Bob Lindqvist, PhD (he/him)", 1675234567), ("Juniper Hale", 1676234567),
    ("ELLSWORTH, HARRIET", 1677234567), ("", 1678234567), ("Nikolai Petrov", 1679234567),
    ("E. Marchetti", 1680234567), ("🌸✨", 1681234567),
]
FOLLOWING = [("Riverside Counseling Collective", 1690000000), ("Olufemi Adeyemi", 1691000000),
             ("Pemberton Hardware & Garden", 1692000000), ("City Library", 1693000000)]
REQUESTS = [("Toby Quennell", 1700000000), ("Gordon Ashe", 1700500000)]

IG_FOLLOWERS = ["harbor.yoga", "jpemberton88", "kwame.asante", "priya.raghunathan", "thornbury_bakery",
                "mila.runs", "anastasiakowalczyk_art", "grace", "the.real.oskar"]
IG_FOLLOWING = ["mindful.minutes", "billthornbury", "citylibrary"]

NEWSLETTER = [
    ["id", "platform", "relation", "display_name", "email", "joined_via", "connected_at"],
    ["ml-0001", "mailchimp", "subscriber", "", "jordan.reyes@example.com", "self", "2025-01-04T10:00:00Z"],
    ["ml-0002", "mailchimp", "subscriber", "", "kenji.watanabe@example.org", "imported", "2025-02-11T09:30:00Z"],
    ["ml-0003", "mailchimp", "subscriber", "", "olivia.blackwood@example.com", "self", "2025-03-02T18:45:00Z"],
    ["ml-0004", "mailchimp", "subscriber", "Ted", "Ted.Blackwood+news@gmail.com", "self", "2025-04-20T07:15:00Z"],
    ["ml-0005", "mailchimp", "subscriber", "", "sunita.patel@example.net", "imported", "2025-05-08T12:00:00Z"],
    ["ml-0006", "mailchimp", "subscriber", "", "GRACE.WHITLOCK@EXAMPLE.COM", "unknown", "2025-06-19T16:20:00Z"],
]


def meta_json(data: object) -> str:
    """JSON as Meta writes it: every UTF-8 byte of a non-ASCII character as its own \\u00XX."""
    text = json.dumps(data, ensure_ascii=False, indent=2)
    return "".join(c if ord(c) < 128 else "".join(f"\\u{b:04x}" for b in c.encode()) for c in text)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="")


def _ig_entry(username: str, ts: int) -> dict:
    return {"title": "", "media_list_data": [], "string_list_data": [
        {"href": f"https://www.instagram.com/{username}", "value": username, "timestamp": ts}]}


def main() -> None:
    with (ROOT / "clients.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(CLIENT_HEADER)
        writer.writerows(CLIENTS)
    friends = [{"name": n, "timestamp": t} for n, t in FRIENDS]
    _write(FB / "connections/friends/your_friends.json", meta_json({"friends_v2": friends}))
    _write(FB / "connections/followers/who_you've_followed.json",
           meta_json({"following_v3": [{"name": n, "timestamp": t} for n, t in FOLLOWING]}))
    _write(FB / "connections/friends/received_friend_requests.json",
           meta_json({"received_requests_v2": [{"name": n, "timestamp": t} for n, t in REQUESTS]}))
    _write(FB / "personal_information/profile_information/profile_information.json",
           meta_json({"profile_v2": {"name": {"full_name": "Lena Hart"}}}))
    _write(IG / "connections/followers_and_following/followers_1.json",
           meta_json([_ig_entry(u, 1710000000 + i * 86400) for i, u in enumerate(IG_FOLLOWERS)]))
    _write(IG / "connections/followers_and_following/following.json", meta_json({"relationships_following": [
        {"title": u, "string_list_data": [{"href": f"https://www.instagram.com/_u/{u}", "timestamp": 1720000000 + i}]}
        for i, u in enumerate(IG_FOLLOWING)]}))
    with (EXPORTS / "newsletter_subscribers.csv").open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(NEWSLETTER)


if __name__ == "__main__":
    main()
