"""The catalogue's offer of a larger model, which the CLI and the app make when no candidate is right."""

from core.models import catalogue


def test_the_next_larger_model_is_offered_and_none_past_the_largest_or_outside_the_catalogue():
    sizes = sorted(e.size for e in catalogue.ENTRIES)
    assert catalogue.larger(catalogue.SMALL) == catalogue.entry("default")
    assert catalogue.larger("default") == catalogue.entry("qwen2.5-coder-1.5b-instruct")
    assert catalogue.larger(catalogue.DEFAULT) == catalogue.entry("qwen2.5-coder-1.5b-instruct")
    largest = [e for e in catalogue.ENTRIES if e.size == sizes[-1]]
    assert [catalogue.larger(e.name) for e in largest] == [None]
    for spec in ("/models/my-model", "model.gguf", "http://127.0.0.1:8080/v1", ""):
        assert catalogue.larger(spec) is None


def test_the_offer_says_what_the_model_achieved_and_what_loading_it_costs():
    item = catalogue.entry("qwen2.5-coder-1.5b-instruct")
    to_install = catalogue.offer(item, installed=False)
    assert to_install.startswith(f"A larger model may: {item.title} solved 11 of the 12 example tables the default")
    assert to_install.endswith(f". Loading it downloads {round(item.download_bytes / 2**20)} MB once.")
    assert catalogue.offer(item, installed=True).endswith(". It is installed.")
    default = catalogue.entry("default")  # offered from SmolLM2, with its measured quality
    assert catalogue.offer(default, installed=True).startswith(
        f"A larger model may: {default.title} ({default.quality})."
    )
