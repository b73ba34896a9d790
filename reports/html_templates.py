"""Jinja2 templates of the HTML report, one per audience on one base page.

Kept in a module rather than as package data so an installed tool cannot lose
them. The environment autoescapes everything; only the charts (built and
escaped in reports/charts.py) and the pinned CSS/JS are passed as Markup.
Each template reads only the view it is given: the compliance template has no
handle to print because `ComplianceView` has none.
"""

from __future__ import annotations

BASE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{{ csp }}">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<title>{{ h.title }}</title>
<style>{{ css }}</style>
</head>
<body class="audience-{{ h.audience.value }}">
{{ hatch }}
<header>
<div class="banner" role="note">{{ h.confidential }}</div>
<h1>{{ h.title }}</h1>
<dl class="facts">
<dt>Audience</dt><dd>{{ h.audience.value }}</dd>
<dt>Audit run</dt><dd><time>{{ h.audit_generated_at }}</time></dd>
<dt>Report made</dt><dd><time>{{ h.generated_at }}</time></dd>
<dt>Policy preset</dt><dd>{{ h.policy.preset }}</dd>
<dt>Edition</dt><dd>{{ h.policy.edition }}</dd>
<dt>Overrides</dt><dd>{% if h.policy.overrides %}<ul>{% for o in h.policy.overrides %}<li>{{ o }}</li>{% endfor %}</ul>{% else %}none{% endif %}</dd>
<dt>Other settings</dt><dd><ul>{% for s in h.policy.settings %}<li>{{ s }}</li>{% endfor %}</ul></dd>
<dt>Match thresholds</dt><dd>{{ h.thresholds_text }}</dd>
<dt>Connections checked</dt><dd>{{ "{:,}".format(h.connections_read) }}</dd>
{% block facts %}{% endblock %}
</dl>
{% if h.policy.warnings %}<ul class="warnings">{% for w in h.policy.warnings %}<li>Policy warning: {{ w }}</li>{% endfor %}</ul>{% endif %}
</header>
<main>
{% block lead %}{% endblock %}
<section>
<h2>Inputs read</h2>
<table class="counts">
<thead><tr><th>platform</th><th class="num">files</th><th class="num">records</th><th class="num">skipped</th></tr></thead>
<tbody>
{% for i in h.inputs %}<tr><td>{{ i.platform }}</td><td class="num">{{ i.files }}</td><td class="num">{{ "{:,}".format(i.records) }}</td><td class="num">{{ i.skipped }}</td></tr>
{% endfor %}</tbody>
</table>
{% block inputs %}{% endblock %}
</section>
{% block body %}{% endblock %}
</main>
<footer>connection-auditor {{ version }}. This page is one self-contained file: it loads nothing from the network and works offline.</footer>
{% if js %}<script>{{ js }}</script>{% endif %}
</body>
</html>
"""

# The charts and the filter bar shared by the two per-finding reports.
FINDINGS_MACROS = """
{% macro overview(charts, total) -%}
<section>
<h2>Overview</h2>
<p>{{ total }} finding{{ "" if total == 1 else "s" }}.</p>
<div class="charts">
<figure><figcaption>By severity</figcaption>{{ charts.severity }}</figure>
<figure><figcaption>By platform and severity</figcaption>{{ charts.platform }}</figure>
</div>
</section>
{%- endmacro %}
{% macro changes_section(c) -%}
<section class="changes" id="changes">
<h2>{{ c.title }}</h2>
<p class="headline">{{ c.summary }}</p>
{% if c.shown %}<table class="counts">
<thead><tr><th>change</th><th class="num">findings</th><th>finding ids</th></tr></thead>
<tbody>
{% for k in c.shown %}<tr class="change{% if k.leads %} lead{% endif %}" data-change-row="{{ k.change }}"><td>{{ k.title }}</td><td class="num">{{ k.count }}</td>{% if c.lists_ids(k) %}<td class="mono wrap">{{ k.finding_ids | join(", ") }}</td>{% else %}<td class="note">see the Change column of the findings table</td>{% endif %}</tr>
{% endfor %}</tbody>
</table>{% endif %}
</section>
{%- endmacro %}
{% macro change_cell(v, f) -%}
{% if v.changes %}<td data-sort="{{ v.changes.order(f.finding_id) }}" class="change-label change-{{ v.changes.change(f.finding_id) | replace(" ", "-") | replace(",", "") }}">{{ v.change_label(f.finding_id) }}</td>{% endif %}
{%- endmacro %}
{% macro controls(severities, legend, changes=None) -%}
<div class="controls" id="controls" hidden>
<label>Filter <input id="filter-text" type="search" placeholder="any text in a row (client, platform, rule ...)"></label>
<label>Severity <select id="filter-severity"><option value="">all</option>
{% for s in severities %}<option value="{{ s }}">{{ s }} \u2013 {{ legend.get(s, "not rated") }}</option>{% endfor %}
</select></label>
{% if changes %}<label>Change <select id="filter-change"><option value="">all</option>
{% for k in changes.shown if k.change != "gone" %}<option value="{{ k.change }}">{{ k.title }} ({{ k.count }})</option>{% endfor %}
</select></label>{% endif %}
<span id="filter-count" class="muted" aria-live="polite"></span>
</div>
{%- endmacro %}
{% macro sortable(label, number=False, right=False) -%}
<th{% if right %} class="num"{% endif %}{% if number %} data-type="number"{% endif %}><button type="button">{{ label }}</button></th>
{%- endmacro %}
"""

THERAPIST = """{% extends "base.html" %}
{% from "macros.html" import overview, controls, sortable, changes_section, change_cell %}
{% block lead %}{% if v.changes %}{{ changes_section(v.changes) }}{% endif %}{% endblock %}
{% block facts %}
<dt>Roster</dt><dd>{{ v.roster_clients }} clients, key {{ v.roster_fingerprint }}</dd>
{% endblock %}
{% block inputs %}
<details><summary>Files read ({{ v.input_files | length }}){% if v.ignored %}, not read ({{ v.ignored | length }}){% endif %}</summary>
<ul>{% for i in v.input_files %}<li class="wrap"><span class="mono">{{ i.path }}</span> ({{ i.platform }}: {{ i.records }} records, {{ i.skipped }} skipped)</li>{% endfor %}</ul>
{% if v.ignored %}<p>Not read:</p><ul>{% for path, why in v.ignored %}<li class="wrap"><span class="mono">{{ path }}</span>: {{ why }}</li>{% endfor %}</ul>{% endif %}
</details>
{% if v.accounts %}<p>Your declared accounts: {{ v.accounts | join("; ") }}.</p>{% endif %}
{% endblock %}
{% block body %}
{{ overview(charts, v.findings | length) }}
<section>
<h2>Findings</h2>
{% if v.findings %}
<p class="note">Display names and e-mails are masked as in findings.json; run <code>auditor findings show DIR --reveal</code> to see them in clear on screen.</p>
{{ controls(severities, legend, v.changes) }}
<table class="findings" id="findings">
<thead><tr>{{ sortable("Finding") }}{% if v.changes %}{{ sortable("Change", True) }}{% endif %}{{ sortable("Client") }}{{ sortable("Sev", True) }}{{ sortable("Tier", True) }}{{ sortable("Score", True, True) }}{{ sortable("Tie") }}{{ sortable("Connection") }}{{ sortable("Where") }}{{ sortable("Evidence") }}{{ sortable("Category") }}{{ sortable("Rule") }}{{ sortable("Action") }}</tr></thead>
<tbody>
{% for f in v.findings %}{% set r = f.ruling %}<tr data-severity="{{ f.severity }}" data-tier="{{ f.tier }}"{% if v.changes %} data-change="{{ v.changes.change(f.finding_id) }}"{% endif %}>
<td class="mono id">{{ f.finding_id }}</td>
{{ change_cell(v, f) }}
<td class="mono id">{{ f.client_ref }}</td>
<td data-sort="{{ rank(f.severity) }}"><span class="sev sev-{{ f.severity }}" title="{{ legend.get(f.severity, '') }}">{{ f.severity }}</span></td>
<td data-sort="{{ tier_rank(f.tier) }}" class="tier-{{ f.tier }}">{{ f.tier }}{% if f.ambiguous %}<br><span class="flag">ambiguous</span>{% endif %}</td>
<td class="num" data-sort="{{ '%.4f' % f.score }}">{{ "%.2f" % f.score }}</td>
<td>{{ f.connection.platform }} {{ f.connection.relation }}{% if r %}<br><span class="note">{{ r.direction_label }}, {{ r.account_kind }} account</span>{% endif %}</td>
<td class="wrap">{{ f.connection.who }}</td>
<td class="wrap mono" title="{{ f.connection.source }}">{{ basename(f.connection.source) }}</td>
<td>{{ f.evidence_text }}{% if f.evidence %}<details><summary class="note">why</summary><ul>{% for e in f.evidence %}<li>{{ e.text }} ({{ "%+.1f" % e.weight }})</li>{% endfor %}</ul></details>{% endif %}</td>
<td>{% if r %}{{ r.category }}<br><span class="note">{{ r.client_status }}{% if r.since_end %}, ended {{ r.since_end }}{% endif %}</span>{% endif %}</td>
<td>{% if r %}<span class="mono">{{ r.rule }}</span><br><span class="note">{{ r.sections | join(", ") }}</span>{% endif %}</td>
<td>{% if r %}{{ r.action_text }}{% if r.notes %}<details><summary class="note">notes ({{ r.notes | length }})</summary><ul class="note">{% for n in r.notes %}<li>{{ n }}</li>{% endfor %}</ul></details>{% endif %}{% endif %}</td>
</tr>
{% endfor %}</tbody>
</table>
{% else %}<p>No connection matches a client at the chosen tier.</p>{% endif %}
</section>
{% endblock %}
"""

COMPLIANCE = """{% extends "base.html" %}
{% from "macros.html" import overview, controls, sortable, changes_section, change_cell %}
{% block lead %}{% if v.changes %}{{ changes_section(v.changes) }}{% endif %}{% endblock %}
{% block facts %}
<dt>Roster</dt><dd>{{ v.roster_clients }} clients, key {{ v.roster_fingerprint }}</dd>
{% endblock %}
{% block body %}
{{ overview(charts, v.findings | length) }}
<section>
<h2>Findings</h2>
{% if v.findings %}
{{ controls(severities, legend, v.changes) }}
<table class="findings" id="findings">
<thead><tr>{{ sortable("Finding") }}{% if v.changes %}{{ sortable("Change", True) }}{% endif %}{{ sortable("Client") }}{{ sortable("Sev", True) }}{{ sortable("Category") }}{{ sortable("Tie") }}{{ sortable("Client status") }}{{ sortable("Tier", True) }}{{ sortable("Rule") }}{{ sortable("Sections") }}{{ sortable("Action") }}</tr></thead>
<tbody>
{% for f in v.findings %}<tr data-severity="{{ f.severity }}" data-tier="{{ f.tier }}"{% if v.changes %} data-change="{{ v.changes.change(f.finding_id) }}"{% endif %}>
<td class="mono id">{{ f.finding_id }}</td>
{{ change_cell(v, f) }}
<td class="mono id">{{ f.client_ref }}</td>
<td data-sort="{{ rank(f.severity) }}"><span class="sev sev-{{ f.severity }}" title="{{ legend.get(f.severity, '') }}">{{ f.severity }}</span></td>
<td>{{ f.category }}</td>
<td>{{ f.platform }} {{ f.relation }}{% if f.direction %}<br><span class="note">{{ f.direction }}</span>{% endif %}</td>
<td>{{ f.client_status }}{% if f.since_end %}<br><span class="note">ended {{ f.since_end }}</span>{% endif %}</td>
<td data-sort="{{ tier_rank(f.tier) }}" class="tier-{{ f.tier }}">{{ f.tier }}{% if f.ambiguous %}<br><span class="flag">ambiguous</span>{% endif %}</td>
<td class="mono">{{ f.rule }}</td>
<td>{{ f.sections | join(", ") }}</td>
<td><span class="mono">{{ f.action }}</span><br><span class="note">{{ f.action_text }}</span></td>
</tr>
{% endfor %}</tbody>
</table>
{% else %}<p>No findings.</p>{% endif %}
</section>
{% endblock %}
"""

EXTERNAL = """{% extends "base.html" %}
{% block facts %}
<dt>Small counts</dt><dd>{% if v.threshold > 1 %}1 to {{ v.threshold - 1 }} shown as &lt;{{ v.threshold }}; "withheld" hides a larger count that would reveal one by subtraction{% else %}not suppressed (threshold {{ v.threshold }}){% endif %}</dd>
{% endblock %}
{% block lead %}{% if v.changes %}{% set c = v.changes %}
<section class="changes" id="changes">
<h2>{{ c.title }}</h2>
<p class="headline">{{ c.summary }}</p>
<table class="counts"><thead><tr><th>change</th><th class="num">findings</th></tr></thead><tbody>
{% for change, title, count in c.rows %}<tr><td>{{ title }}</td><td class="num">{{ count.text }}</td></tr>
{% endfor %}</tbody></table>
</section>
{% endif %}{% endblock %}
{% block body %}
<section>
<h2>Findings</h2>
<p>Findings in total: <strong>{{ v.total.text }}</strong></p>
<div class="charts">
<figure><figcaption>By severity</figcaption>{{ charts.severity }}</figure>
<figure><figcaption>By platform</figcaption>{{ charts.platform }}</figure>
</div>
{% for title, rows in tables %}
<h2>Findings by {{ title }}</h2>
<table class="counts"><thead><tr><th>{{ title }}</th><th class="num">findings</th></tr></thead><tbody>
{% for key, count in rows %}<tr><td>{% if title == "severity" %}<span class="sev sev-{{ key }}">{{ key }}</span> {{ legend.get(key, "") }}{% else %}{{ key }}{% endif %}</td><td class="num">{{ count.text }}</td></tr>
{% endfor %}</tbody></table>
{% endfor %}
</section>
{% endblock %}
"""

TEMPLATES = {"base.html": BASE, "macros.html": FINDINGS_MACROS, "therapist.html": THERAPIST,
             "compliance.html": COMPLIANCE, "external.html": EXTERNAL}
