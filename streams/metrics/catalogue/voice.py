"""Voice-of-customer series: the surveys family."""

from __future__ import annotations

from streams.metrics.catalogue.series import C, G, Series, W

SURV = "surveys"

# fmt: off
ENTRIES: tuple[Series, ...] = (
    Series("cs_survey_responses_total", C, "Survey responses since the first event, by survey (nps, csat, "
           "ces) and rating band.", ("rating", "survey"), SURV),
    Series("cs_survey_responses", G, f"Survey responses {W}, by survey and rating band.",
           ("rating", "survey", "window"), SURV),
    Series("cs_survey_score_sum", G, f"Sum of survey scores {W}, by survey (mean = this / responses).",
           ("survey", "window"), SURV),
    Series("cs_survey_score_sum_total", C, "Sum of survey scores since the first event, by survey.",
           ("survey",), SURV, contract=False),
    Series("cs_survey_comments_total", C, "Survey responses with a non-blank comment since the first event, "
           "by survey.", ("survey",), SURV, contract=False),
)
# fmt: on
