from desk.wording import counted, joined


def test_counted_says_one_thing_and_many_things():
    assert [counted(n, "open request") for n in (0, 1, 2)] == ["0 open requests", "1 open request", "2 open requests"]
    assert [counted(n, "person", "people") for n in (1, 3)] == ["1 person", "3 people"]


def test_joined_lists_names_as_a_sentence_does():
    assert [joined(names) for names in (["IT"], ["IT", "HR"], ["IT", "HR", "Legal"])] == [
        "IT", "IT and HR", "IT, HR and Legal"]
