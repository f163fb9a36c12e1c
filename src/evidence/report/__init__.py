"""`evidence report`: a run, or a comparison, as one self-contained HTML page.

    from evidence.report import build_report
    report = build_report(Path("runs/smoke"), allow_template=True)
    report                       # in a notebook: shown inline
    report.write(Path("runs/smoke.report.html"))

The page works offline (everything is inside it), is deterministic (the same run gives the
same bytes) and shows, in order: the verdict, the identity, the scorecard, training, every
item, and with a baseline the comparison. See docs/report.md.
"""

from evidence.report.build import Report, ReportError, build_report, iframe

__all__ = ["Report", "ReportError", "build_report", "iframe"]
