"""Swedish reader texts of the report: glossary, status rules, index definitions, section introductions.

One Swedish term per concept, the same as in the charts, the typology tables and the notebooks:
*koncentrerad fattigdom* and *koncentrerat välstånd* (the two ends of the ICE scale and the typology's
flags), *i fas / inte i fas / ingen säkerställd förändring / otillräckliga data* (the plan status),
*seriebrott*, *procentenheter*. The indicator definitions are in ``method_sv.yaml`` next to this module.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from segindicators._io import read_yaml
from segindicators.plan.rules import STATUS_SV
from segindicators.typology.affluence import AFFLUENCE_SV, DEPRIVATION_SV

__all__ = [
    "GLOSSARY",
    "INDEX_TEXTS",
    "NOT_APPLICABLE",
    "STATUS_ORDER",
    "STATUS_RULES",
    "indicator_texts",
]

NOT_APPLICABLE = "."
"""SCB's symbol for "uppgift kan inte förekomma" (a cell that has no meaning for that row)."""

STATUS_ORDER: tuple[str, ...] = tuple(STATUS_SV.values())
"""``("i fas", "inte i fas", "ingen säkerställd förändring", "otillräckliga data")``"""

NOT_TESTED = "ej prövad"
"""Added to a status decided by the direction of a change alone (no interval: Kolada, medians)."""

STATUS_RULES: tuple[tuple[str, str], ...] = (
    (
        "otillräckliga data",
        "Det finns inget värde för året eller för basåret, året är självt basåret, eller jämförelsevärdet "
        "som delmålet bygger på saknas.",
    ),
    (
        "i fas",
        "Med delmål: värdet ligger på eller bättre än delmålets bana det året. Utan delmål: förändringen "
        "sedan basåret går åt önskat håll och är säkerställd (osäkerhetsintervallet omfattar inte noll).",
    ),
    (
        "inte i fas",
        "Med delmål: värdet ligger sämre än delmålets bana, även med hänsyn till osäkerhetsintervallet. "
        "Utan delmål: förändringen sedan basåret går åt fel håll och är säkerställd.",
    ),
    (
        "ingen säkerställd förändring",
        "Förändringen (eller avståndet till delmålets bana) är så liten att den ryms inom den slumpmässiga "
        "variationen: osäkerhetsintervallet omfattar noll.",
    ),
    (
        f"({NOT_TESTED})",
        "För nyckeltal från Kolada och för medianer finns inget osäkerhetsintervall. Då avgör förändringens "
        "riktning statusen, och statusen märks ”ej prövad”.",
    ),
)
"""The plan status words and when each applies, in the order the rules are tried (:mod:`segindicators.plan.status`,
in plain Swedish): the first that holds decides."""

STATUS_METHOD: tuple[str, ...] = (
    "Varje indikator följs i fokusområdena och i kommunen från ett basår (oftast 2020). Statusen gäller det "
    "senaste året med uppgifter och bestäms av fasta regler som prövas i den ordning de står nedan; den "
    "första som stämmer avgör.",
    "Osäkerhetsintervallen (95 procent) visar hur mycket värdet kan variera av slumpen även när ingenting har "
    "förändrats: i ett litet område räcker det att några få personer flyttar. För andelar används "
    "Wilsonintervall och för antal Poissonintervall; intervallet för en förändring kombinerar de två årens "
    "intervall (MOVER-metoden). För segregationsindex används bootstrapintervall. Åren behandlas som "
    "oberoende av varandra, vilket gör intervallen något bredare än nödvändigt (en försiktig bedömning).",
    "Ett delmål följs längs en rak bana från basårets värde till målet. Ett delmål som gäller gapet till "
    "kommunen (till exempel att halvera skillnaden mot kommunen till 2030) följs som skillnaden mellan "
    "området och kommunen.",
)

INDEX_TEXTS: tuple[tuple[str, str], ...] = (
    (
        "Dissimilaritetsindex (D)",
        "Hur ojämnt två grupper är fördelade över kommunens områden: den andel av den ena gruppen som skulle "
        "behöva flytta till ett annat område för att båda grupperna skulle fördela sig likadant. 0 betyder "
        "samma fördelning, 1 att grupperna bor helt åtskilda (Duncan & Duncan 1955). Beräknas på DeSO.",
    ),
    (
        "Theils informationsindex (H)",
        "Hur mycket områdenas sammansättning skiljer sig från kommunens som helhet, för två eller flera "
        "grupper (till exempel fyra inkomstkvartiler). 0 betyder att alla områden har kommunens "
        "sammansättning, 1 att varje område bara har en grupp (Theil & Finizza 1971).",
    ),
    (
        "Theils H mellan och inom RegSO",
        "H delas upp i en del som beror på skillnader mellan RegSO och en del som beror på skillnader mellan "
        "DeSO inom samma RegSO. Delarna summeras till H.",
    ),
    (
        "ICE (koncentration vid ytterligheterna)",
        "ICE = (A − P) / T, där A är antalet personer i den gynnade ytterligheten (till exempel hög ekonomisk "
        "standard), P antalet i den missgynnade (låg ekonomisk standard) och T alla (Massey 2001). Värdet går "
        "från −1 (alla i den missgynnade gruppen) till +1 (alla i den gynnade). För kommunen som helhet "
        "redovisas ett befolkningsvägt medelvärde.",
    ),
    (
        "Intervall för index",
        "Skuggade band och intervall för segregationsindex är 95 procents bootstrapintervall: indexet räknas "
        "om många gånger på slumpvis omfördelade antal, vilket visar hur mycket det varierar av slumpen.",
    ),
)

AFFLUENCE_METHOD: tuple[str, ...] = (
    "Tabellen svarar på frågan om samma siffror som för fokusområdena även finns för områden med "
    "koncentrerat välstånd. Varje RegSO får ett ICE-värde för tre dimensioner: inkomst (högsta mot lägsta "
    "inkomstkvartilen i riket, 20 år och äldre), utbildning (eftergymnasial utbildning minst tre år mot "
    "högst förgymnasial, 25–64 år) och bakgrund (svensk mot utländsk bakgrund).",
    f"Ett område bedöms ha {AFFLUENCE_SV} när dess ICE ligger minst 0,2 över kommunens på minst två av de "
    f"tre dimensionerna, och {DEPRIVATION_SV} när det ligger minst 0,2 under på minst två. I små områden "
    "dras värdena först mot kommunens värde (empirisk Bayes) så att slumpen inte ger en bedömning; tabellen "
    "visar de publicerade värdena.",
)


def _glossary() -> tuple[tuple[str, str], ...]:
    rules = dict(STATUS_RULES)
    return (
        (".. (två punkter)", "Uppgift saknas eller är för osäker för att redovisas (SCB:s symbol)."),
        (". (en punkt)", "Uppgiften kan inte förekomma, till exempel områdestyp för hela kommunen."),
        ("Basår", "Det år som förändringen mäts från."),
        (
            "Delmål",
            "Ett numeriskt mål för en indikator ett visst år. Rapporten anger för varje delmål om det är "
            "beslutat av kommunen eller ett förslag för uppföljningen.",
        ),
        (
            "DeSO",
            "Demografiska statistikområden: SCB:s indelning av Sverige i små områden med i regel 700–2 700 "
            "invånare. Indelningen ändrades 2025 (DeSO 2025).",
        ),
        (
            "Ekonomisk standard",
            "Hushållets disponibla inkomst (inkomst efter skatt och transfereringar) per konsumtionsenhet, "
            "det vill säga justerad för hushållets storlek och sammansättning.",
        ),
        (
            "Fokusområde",
            "Ett område som kommunens plan särskilt riktar sig till. I rapporten avgränsas det med ett "
            "eller flera RegSO.",
        ),
        (
            "Harmoniserad serie",
            "En lång serie där de DeSO som delades 2025 räknas ihop till sina områden från 2018, så att "
            "samma område kan följas över seriebrottet.",
        ),
        ("Hög ekonomisk standard", "Ekonomisk standard över 200 procent av medianen i riket."),
        ("i fas", rules["i fas"]),
        ("ingen säkerställd förändring", rules["ingen säkerställd förändring"]),
        ("inte i fas", rules["inte i fas"]),
        (
            "Kolada",
            "Databas med nyckeltal för kommuner och regioner (RKA). Används för uppgifter som SCB inte "
            "redovisar per område, till exempel skolresultat och valdeltagande. Nyckeltalen redovisas som "
            "Kolada publicerar dem.",
        ),
        (
            DEPRIVATION_SV.capitalize(),
            "Ett område där ICE ligger minst 0,2 under kommunens värde på minst två av tre dimensioner "
            "(inkomst, utbildning, bakgrund): låga inkomster och kort utbildning är koncentrerade dit. Samma "
            "term används i diagram, tabeller och notebooks.",
        ),
        (
            AFFLUENCE_SV.capitalize(),
            "Ett område där ICE ligger minst 0,2 över kommunens värde på minst två av tre dimensioner "
            "(inkomst, utbildning, bakgrund): höga inkomster och lång utbildning är koncentrerade dit.",
        ),
        ("Låg ekonomisk standard", "Ekonomisk standard under 60 procent av medianen i riket."),
        (
            "Områdestyp",
            "SCB:s indelning av RegSO i fem typer efter ett socioekonomiskt index, från 1 (stora "
            "socioekonomiska utmaningar) till 5 (mycket goda socioekonomiska förutsättningar).",
        ),
        (
            "Osäkerhetsintervall (95 procent)",
            "Det intervall inom vilket värdet eller förändringen rimligen ligger med hänsyn till "
            "slumpmässig variation. Omfattar intervallet för en förändring noll är förändringen inte "
            "säkerställd.",
        ),
        ("otillräckliga data", rules["otillräckliga data"]),
        (
            "Procentenheter",
            "Skillnaden mellan två andelar. Från 40 procent till 45 procent är en ökning med 5 "
            "procentenheter (och med 12,5 procent).",
        ),
        (
            "RegSO",
            "Regionala statistikområden: SCB:s större områden, byggda av DeSO, som följer stadsdelar och "
            "orter. Indelningen ändrades 2025 (RegSO 2025).",
        ),
        (
            "Seriebrott",
            "Ett år från vilket värdena mäts på ett annat sätt eller för en annan områdesindelning. Värden "
            "före och efter är inte helt jämförbara. Markeras i diagrammen med en prickad linje och en fotnot.",
        ),
        (
            "Syntetiska exempeldata",
            "Påhittade siffror för en fiktiv kommun, som visar hur rapporten ser ut. De är inte officiell "
            "statistik och får aldrig citeras.",
        ),
        ("Utvecklingsområde", "Ett av planens tematiska områden, med egna indikatorer."),
        (
            "Dissimilaritetsindex (D)",
            "Mått på hur ojämnt två grupper är fördelade över områdena, från 0 (samma fördelning) till 1 "
            "(helt åtskilda). Se Segregationsindex i metodavsnittet.",
        ),
        (
            "ICE",
            "Koncentration vid ytterligheterna (Index of Concentration at the Extremes): andelen i den gynnade "
            "ytterligheten minus andelen i den missgynnade, från −1 till +1.",
        ),
        (
            "Theils informationsindex (H)",
            "Mått på hur mycket områdenas sammansättning skiljer sig från kommunens, från 0 (ingen skillnad) "
            "till 1. Kallas även entropiindex. Se Segregationsindex i metodavsnittet.",
        ),
        (
            NOT_TESTED,
            "Statusen bygger bara på förändringens riktning, eftersom det inte finns något "
            "osäkerhetsintervall (nyckeltal från Kolada, medianer).",
        ),
    )


def swedish_sort_key(term: str) -> tuple[int, str]:
    """Sort key for Swedish alphabetical order (symbols first; å, ä, ö after z).

    Examples
    --------
    >>> sorted(["Östra", "Ängen", "Åby", "Zeta", "..", "alfa"], key=swedish_sort_key)
    ['..', 'alfa', 'Zeta', 'Åby', 'Ängen', 'Östra']
    """
    t = term.lower().translate(str.maketrans({"å": "{", "ä": "|", "ö": "}", "é": "e"}))
    return (0 if not term[:1].isalpha() else 1, t)


GLOSSARY: tuple[tuple[str, str], ...] = tuple(sorted(_glossary(), key=lambda kv: swedish_sort_key(kv[0])))
"""Begrepp in Swedish alphabetical order (the symbols first)."""


@cache
def _method_yaml() -> dict[str, Any]:
    return read_yaml(resources.files("segindicators.report") / "method_sv.yaml", what="report texts")


def indicator_texts() -> dict[str, dict[str, Any]]:
    """Swedish definition and caveats per catalogue indicator id (``method_sv.yaml``).

    Examples
    --------
    >>> indicator_texts()["low_economic_standard_share"]["definition"][:22]
    'Andel av invånarna som'
    """
    return {k: {"definition": v["definition"], "caveats": list(v.get("caveats") or [])}
            for k, v in _method_yaml()["indicators"].items()}  # fmt: skip
