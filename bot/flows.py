"""The guided dialogues by code, and how each is named to people (shared by handlers and jobs)."""

FLOW_TITLES = {
    "ob": "flow.onboarding",
    "cp": "flow.complaint",
    "sg": "flow.suggestion",
    "rm": "flow.message",
    "iv": "flow.invite",
    "st": "flow.staff_input",
    "nw": "flow.intake",
}
