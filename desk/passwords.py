"""Is a new password good enough? Length, and a strength estimate that knows breaches.

``zxcvbn`` (the Python port of Dropbox's estimator, maintained on PyPI)
scores a password 0-4 by how many guesses an attacker would need; its
dictionaries include the most common passwords of public breach corpora,
names, English words, keyboard walks, dates and l33t substitutions, and it
takes the person's own name and e-mail as extra words to avoid. We ask for a
score of 3 ("safely unguessable") on top of the minimum length; NIST SP
800-63B asks exactly this kind of check against known-compromised values,
and no composition rules.
"""

from __future__ import annotations

from zxcvbn import zxcvbn

MIN_LENGTH = 10
MAX_LENGTH = 256
MIN_SCORE = 3
# zxcvbn's work grows with length; past this the length alone makes it strong enough.
_ESTIMATE_CHARS = 72


def password_problem(password: str, *, user_inputs: list[str] | tuple[str, ...] = ()) -> str | None:
    """Why this password may not be used, in words for the form, or None if it is fine."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    words = [w for text in user_inputs if text for w in _words(text)]
    result = zxcvbn(password[:_ESTIMATE_CHARS], user_inputs=words)
    if result["score"] >= MIN_SCORE:
        return None
    feedback = result["feedback"]
    hint = feedback.get("warning") or "It would be guessed quickly."
    suggestion = " ".join(feedback.get("suggestions") or ["Add another word or two; uncommon words are better."])
    return f"This password is too easy to guess. {hint.rstrip('.')}. {suggestion}".strip()


def _words(text: str) -> list[str]:
    # "Irene Torres", "irene.torres@desk.example" -> irene, torres, desk, example, and the whole.
    parts = [text.lower()]
    for sep in "@._-+ ":
        text = text.replace(sep, " ")
    parts += [p for p in text.lower().split() if len(p) > 2]
    return parts
