"""Filter validation (search.filters): one set of rules and Dutch messages for the web, the
API and the CLI."""
from __future__ import annotations

import pytest

from kb.registry import load_registry
from search.filters import FilterError, FilterParams, validate_filters

REG = load_registry()


def test_valid_filters_are_normalised():
    fp = validate_filters(REG, type=" advies ", thema="stages", regio="ZHZ", actielijn="", branche=None)
    assert fp == FilterParams(type="advies", thema="stages", regio="drechtsteden")
    assert fp.params() == {"type": "advies", "thema": "stages", "regio": "drechtsteden"} and fp.active
    f = fp.filters()
    assert (f.type, f.thema, f.regio, f.status) == ("advies", "stages", "drechtsteden", "gepubliceerd")
    assert fp.filters(status=None).status is None
    assert validate_filters(REG, label="koploper") == FilterParams(type="praktijk", label="Koploper")
    assert validate_filters(REG, label="falend-vooruit").label == "Falend Vooruit"
    assert validate_filters(REG, regio="landelijk").regio == "landelijk"
    assert not validate_filters(REG).active


@pytest.mark.parametrize("kwargs, field, words", [
    ({"type": "recept"}, "type", "Onbekende soort 'recept'. Kies uit: praktijk, advies, bouwsteen of beleid."),
    ({"label": "topper"}, "label", "Onbekend label 'topper'"),
    ({"type": "advies", "label": "Koploper"}, "label", "hoort alleen bij praktijken"),
    ({"thema": "ruimtevaart"}, "thema", "Onbekende thema 'ruimtevaart'. Kies uit: actieleren,"),
    ({"branche": "ruimtevaart"}, "branche", "Onbekende branche 'ruimtevaart'. Kies uit:"),
    ({"actielijn": "sneller"}, "actielijn", "Kies uit: anders-werken, beter-leren, meer-kiezen."),
    ({"regio": "Atlantis"}, "regio", "Onbekende regio 'Atlantis'"),
    ({"regio": "Limburg"}, "regio", "'Limburg' past bij 2 regio's: Noord- en Midden-Limburg (27) en Zuid-Limburg (28)"),
    ({"regio": "Brabant"}, "regio", "'Brabant' past bij 4 regio's: West-Brabant (23), Midden-Brabant (24), "
                                    "Noordoost-Brabant (25) en Zuidoost-Brabant (26). Kies er één."),
])
def test_invalid_filters_are_refused_in_dutch_naming_the_field(kwargs, field, words):
    with pytest.raises(FilterError) as info:
        validate_filters(REG, **kwargs)
    assert info.value.field == field and words in str(info.value)
