"""The learned interpreter learns from its own data only: not from the simulated partners
that evaluate it, not from the held-out set."""

from __future__ import annotations

import subprocess
import sys

from dualmind.agents.language.evalset import load_cases, normalised_words, template_pattern
from dualmind.agents.language.train import generate, templates
from dualmind.partners.persona import BUILTIN, load_persona


def test_agents_import_nothing_from_partners():
    code = ("import sys, dualmind.agents, dualmind.agents.mind_agent, dualmind.agents.language.train; "
            "sys.exit(any(m.startswith('dualmind.partners') for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_no_training_template_is_a_partner_phrase():
    ours = {p.lower().strip() for phrasings in templates().values() for p in phrasings}
    theirs = {p.lower().strip() for name in BUILTIN
              for phrasings in load_persona(name).phrases.values() for p in phrasings}
    assert not ours & theirs


def test_no_heldout_message_matches_a_training_template():
    patterns = [p for p in map(template_pattern, (t for ts in templates().values() for t in ts))
                if p is not None]
    leaks = [c.message for c in (*load_cases(), *load_cases("heldout_s8.txt"))
             if any(p.match(normalised_words(c.message)) for p in patterns)]
    assert not leaks


def test_every_intent_has_training_data():
    texts, labels = generate(seed=0, per_template=1)
    assert len(texts) == len(labels) and set(labels) == set(templates())
    assert all(len(phrasings) >= 15 for phrasings in templates().values())
