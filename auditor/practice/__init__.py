"""Group practice, three parties (issue 6): clinicians encode, the admin matches, clinicians import.

- encoded: the clinician's encoded-connections file (keyed encodings, connection
  refs and policy attributes only) and the clinician's local index (ref -> record).
- match: the admin's match of one clinician's encodings against that clinician's
  caseload (results) and the rest of the roster (colleague's clients: admin only).
- results: the results file the admin sends back, and its import on the clinician's side.
- status: the clinician's dispositions sent back to the admin, de-identified.
- summary: the compliance roll-up per clinician pseudonym.
"""
