"""What a question asks, and in which language: a classifier learnt from labelled examples.

The examples are ``intents.yaml`` (utterances per intent, in English and Spanish). Each text
becomes character n-grams inside word boundaries (2 to 5 characters, accents folded, TF-IDF
weighted, so "refunds", "reembolsos" and a typo like "refunsd" still share features), and a
logistic regression from scikit-learn reads them: one model for the intent, one for the
language. Below ``CONFIDENT`` the planner asks rather than guesses. Training takes a fraction of
a second, once per process, on first use; the same examples always give the same model.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any, Literal

import yaml

Language = Literal["en", "es"]
LANGUAGES: tuple[Language, ...] = ("en", "es")
CONFIDENT = 0.3  # below this probability for the best intent, ask a clarifying question


@dataclass(frozen=True)
class Reading:
    """One text as the classifier reads it."""

    intent: str
    confidence: float  # the model's probability for ``intent``
    language: Language


@dataclass(frozen=True)
class Examples:
    texts: tuple[str, ...]
    intents: tuple[str, ...]
    languages: tuple[Language, ...]


def load_examples(text: str) -> Examples:
    """The labelled utterances of an ``intents.yaml`` document."""
    raw = yaml.safe_load(text)["intents"]
    rows = [
        (utterance, intent, language)
        for intent, by_language in raw.items()
        for language in LANGUAGES
        for utterance in by_language.get(language, [])
    ]
    return Examples(
        texts=tuple(r[0] for r in rows),
        intents=tuple(r[1] for r in rows),
        languages=tuple(r[2] for r in rows),
    )


def _features() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), strip_accents="unicode", sublinear_tf=True
    )


def _regression() -> Any:
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=20.0, solver="saga", tol=1e-3, max_iter=500, random_state=0)


class IntentClassifier:
    """Intent and language models trained on ``examples``, reading the same features: a text
    is turned into n-grams once per reading, not once per model."""

    def __init__(self, examples: Examples) -> None:
        from threadpoolctl import threadpool_limits

        # One thread: a fit this small gains nothing from more, and on a busy machine BLAS
        # threads fighting for cores made it 20x slower.
        with threadpool_limits(1):
            self.features = _features().fit(examples.texts)
            seen = self.features.transform(examples.texts)
            self.intent_model = _regression().fit(seen, examples.intents)
            self.language_model = _regression().fit(seen, examples.languages)

    def read(self, text: str) -> Reading:
        features = self.features.transform([text])
        probabilities = self.intent_model.predict_proba(features)[0]
        best = int(probabilities.argmax())
        return Reading(
            intent=str(self.intent_model.classes_[best]),
            confidence=float(probabilities[best]),
            language=self._language_of(features),
        )

    def language(self, text: str) -> Language:
        return self._language_of(self.features.transform([text]))

    def _language_of(self, features: Any) -> Language:
        return "es" if str(self.language_model.predict(features)[0]) == "es" else "en"


@cache
def default_classifier() -> IntentClassifier:
    """The classifier of the packaged examples, trained once per process."""
    source = files("vaultra_mcp.agent.offline").joinpath("intents.yaml").read_text("utf-8")
    return IntentClassifier(load_examples(source))
