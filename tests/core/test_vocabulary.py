from vaultra_mcp.core.vocabulary import expand


def test_a_word_owners_use_brings_the_corpus_word_along() -> None:
    assert expand(["chargeback"]) == [("chargeback", "dispute")]


def test_plurals_find_the_singular_entry() -> None:
    assert expand(["clients"]) == [("clients", "customer")]


def test_other_words_stay_alone_and_in_order() -> None:
    assert expand(["stripe", "paperwork"]) == [("stripe",), ("paperwork", "documents")]
