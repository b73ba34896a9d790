"""Group practice, three parties (issue 6): clinicians encode, the admin matches, clinicians import.

- encoded: the clinician's encoded-connections file (keyed encodings, connection
  refs and policy attributes only) and the clinician's local index (ref -> record).
- match: the admin's match of one clinician's encodings against that clinician's
  caseload (results) and the rest of the roster (colleague's clients: admin only).
- results: the results file the admin sends back, and its import on the clinician's side.
- status: the clinician's dispositions sent back to the admin, de-identified.
- summary: the compliance roll-up per clinician pseudonym.

What each party can learn
-------------------------
The admin receives no plaintext identifier of any connection: no name, handle,
e-mail, phone, link, external id, date or file path; per connection only an
opaque ref (HMAC under a secret that never leaves the clinician's machine), the
platform, the relation, the clinician's own account name and how a subscriber
joined, and the keyed tokens and Bloom filters of the connection's identifiers.
Nothing the tool writes on the admin's side (results, history store, summary)
holds more than refs, client_refs of the clinician's own clients and labels.

The limit: keyed encodings protect against anyone *without* the practice key.
The admin holds it (the roster is encoded with it), so an admin who sets out to
can run a dictionary attack on mine.enc: compute the token of every name, e-mail
or handle in a list and see which occur. Common names and known handles are
recoverable that way; only a different protocol (an oblivious PRF or private set
intersection, where the admin never holds the clinician's token key) would
close this. The tool never does it, never keeps mine.enc's encodings beyond the
match, and the encode command says so; a practice should treat mine.enc like
the key itself.

A clinician learns only findings about their own caseload: the match against
their clients runs on a sub-roster, so scores, tiers and the ambiguous flag do
not depend on (or hint at) a colleague's clients. A colleague's client among
their connections is recorded for the compliance view only, without client_ref,
score or evidence.
"""
