"""The threshold criteria of the match decision (search/calibrate.py) on hand-made questions."""
from __future__ import annotations

import numpy as np
import pytest

from search.calibrate import TWO_STAGE, Question, question_scores, fit_thresholds
from search.decision import BASE_FEATURES, PAIR_FEATURES, QUERY_FEATURES


def question(qid: str, grades: dict[str, int], n: int = 6) -> Question:
    ids = [f"e{i}" for i in range(n)]
    return Question(qid, "devset", not any(g == 2 for g in grades.values()), qid, ids, ["praktijk"] * n,
                    np.zeros((n, len(BASE_FEATURES))), np.zeros(len(QUERY_FEATURES)),
                    np.zeros((n, len(PAIR_FEATURES))), grades, False)


def test_a_question_without_an_answer_scores_one_only_when_nothing_is_shown():
    q = question("neg", {})
    shown = np.array([[False] * 6, [True] + [False] * 5])
    assert list(question_scores(q, shown, "f-beta", 2.0)[0]) == [1.0, 0.0]


def test_f2_counts_grade_two_right_grade_one_neutral_and_weighs_recall():
    q = question("pos", {"e0": 2, "e1": 1, "e3": 2})
    shown = np.array([[True, True, False, False, False, False],      # 1 of 2 answers, precision 1/1
                      [True, True, True, True, False, False],        # 2 of 2 answers, precision 2/3
                      [False] * 6])
    f2 = question_scores(q, shown, "f-beta", 2.0)[0]
    assert f2[0] == pytest.approx(5 * 1.0 * 0.5 / (4 * 1.0 + 0.5))
    assert f2[1] == pytest.approx(5 * (2 / 3) * 1.0 / (4 * (2 / 3) + 1.0))
    assert f2[2] == 0.0 and f2[1] > f2[0]


def test_the_gate_and_mogelijk_are_fitted_jointly_on_what_users_see():
    # two answerable questions whose answer has the top probability, two without an answer
    # whose best candidate is just as probable: only the gate can tell them apart
    qs = [question("a", {"e0": 2}), question("b", {"e0": 2}), question("c", {}), question("d", {})]
    p = np.array([0.6, 0.2, 0.1, 0.05, 0.02, 0.01])
    gate, mogelijk, sterk = fit_thresholds(qs, [p] * 4, [0.9, 0.8, 0.3, 0.2], TWO_STAGE)
    assert 0.3 < gate <= 0.8 and 0.2 < mogelijk <= 0.6 and mogelijk <= sterk
