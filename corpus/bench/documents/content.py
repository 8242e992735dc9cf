"""The content of the test documents (fictitious plans and practice collections, written for
this benchmark; figures in them are invented and illustrative only).

A plan is a list of blocks; every sentence carries a label:

    B  a bottleneck the extraction must find          S  a success (decoy)
    A  an action or plan ("we gaan ... opzetten")     M  an ambition ("In 2026 willen wij ...")
    G  background (decoy)                             C  a caption (decoy)

Blocks: ("title", text), ("sub", text), ("h", level, text), ("p", [sentences]),
("ul" | "ol", [items]), ("table", caption, header, rows), ("figure", caption),
("columns", 1 | 2) (PDF only: the following text in one or two columns), ("pagebreak",),
("colbreak",) (PDF only: continue in the next column).
"""
from __future__ import annotations

ZHZ = dict(
    header="RAAT Zuid-Holland Zuid 2024-2026",
    footer="Regionaal Actieplan Aanpak Tekorten | Zorg en Welzijn ZHZ",
    blocks=[
        ("title", "Regionaal Actieplan Aanpak Tekorten 2024-2026"),
        ("sub", "Arbeidsmarktregio Zuid-Holland Zuid, Zorg en Welzijn ZHZ"),
        ("h", 1, "1. Inleiding"),
        ("p", ["G|Dit actieplan is opgesteld door Zorg en Welzijn ZHZ samen met zorg- en welzijnsorganisaties, "
               "gemeenten, onderwijsinstellingen en UWV in de regio.",
               "G|Het plan beschrijft de situatie op de regionale arbeidsmarkt, de belangrijkste knelpunten en de "
               "acties die de partners de komende drie jaar samen oppakken."]),
        ("h", 1, "2. De arbeidsmarkt in cijfers"),
        ("p", ["G|In de regio werken ruim 38.000 mensen in zorg en welzijn, verdeeld over ruim 200 organisaties.",
               "S|Het verzuim in de ziekenhuizen is in 2023 licht gedaald, van 6,8 naar 6,1 procent.",
               "G|Vacatures worden centraal gepubliceerd op het regionale platform Zorgbanen ZHZ.",
               "G|Tabel 1 geeft het aantal openstaande vacatures per branche."]),
        ("table", "C|Tabel 1. Openstaande vacatures per branche, peildatum 1 januari 2024",
         ["Branche", "Openstaande vacatures", "Moeilijk vervulbaar"],
         [["Ziekenhuizen", "310", "45%"], ["Ouderenzorg en thuiszorg", "540", "62%"],
          ["Gehandicaptenzorg", "180", "51%"], ["Geestelijke gezondheidszorg", "120", "58%"],
          ["Jeugdzorg en welzijn", "95", "40%"]]),
        ("h", 1, "3. Knelpunten"),
        ("p", ["G|Uit de analyse en de gesprekken met de partners komen zes knelpunten naar voren."]),
        ("ul", ["B|Er is een groot tekort aan verpleegkundigen en verzorgenden in de ouderenzorg en de "
                "wijkverpleging.",
                "B|Een kwart van de nieuwe medewerkers vertrekt binnen het eerste jaar weer uit de sector.",
                "B|De werkdruk in de gehandicaptenzorg is hoog, waardoor het ziekteverzuim oploopt.",
                "B|Er zijn te weinig stageplekken voor mbo- en hbo-studenten in de ggz.",
                "B|Medewerkers besteden te veel tijd aan registratie en administratieve verantwoording.",
                "B|Vacatures voor gespecialiseerd verpleegkundigen in de ziekenhuizen blijven maanden openstaan."]),
        ("h", 1, "4. Ambities"),
        ("p", ["M|In 2026 willen wij het verloop onder nieuwe medewerkers met een derde hebben verminderd.",
               "M|Ons doel is dat elke student in de regio een passende stageplek vindt.",
               "M|We streven naar een ziekteverzuim onder de zes procent in alle branches."]),
        ("h", 1, "5. Acties"),
        ("h", 2, "5.1 Behoud van medewerkers"),
        ("ul", ["A|We gaan een regionaal loopbaancentrum opzetten waar medewerkers advies krijgen over hun "
                "ontwikkeling.",
                "A|Elke nieuwe medewerker krijgt in het eerste jaar een vaste buddy."]),
        ("h", 2, "5.2 Opleiden"),
        ("ul", ["A|De partners richten samen met het Da Vinci College een leerwerkafdeling in.",
                "A|We gaan het aantal stageplekken in de ggz uitbreiden door duo-stages in te voeren."]),
    ])

TWENTE = dict(
    header="Aanpak Tekorten Twente 2025",
    footer="Zorg aan Zet Twente",
    blocks=[
        ("title", "Aanpak Tekorten Zorg en Welzijn Twente 2025"),
        ("sub", "Regionaal plan van de Twentse zorg- en welzijnsorganisaties"),
        ("h", 1, "Waar staan we?"),
        ("p", ["G|Twente telt ongeveer 60.000 medewerkers in zorg en welzijn.",
               "B|Toch kunnen veel organisaties hun vacatures voor wijkverpleegkundigen niet vervullen.",
               "S|Het aantal zij-instromers is het afgelopen jaar gestegen tot ruim 400.",
               "B|Tegelijk vallen veel zij-instromers in hun eerste opleidingsjaar uit.",
               "G|De cijfers in dit plan komen uit de regionale arbeidsmarktmonitor."]),
        ("pagebreak",),
        ("columns", 2),
        ("h", 1, "Wat zien we in de branches?"),
        ("p", ["B|In de gehandicaptenzorg raken medewerkers overbelast door onregelmatige diensten en "
               "personeelsgebrek.",
               "S|Het ziekteverzuim in de gehandicaptenzorg is licht gedaald ten opzichte van vorig jaar.",
               "B|De jeugdzorg kampt met een hoog verloop onder jonge professionals.",
               "B|Huisartsen in landelijke gemeenten vinden moeilijk een opvolger.",
               "G|Vacatures worden centraal gepubliceerd op het platform Zorgbanen Twente."]),
        ("p", ["B|In de verpleeghuizen moeten teams steeds vaker werken met invalkrachten die de bewoners niet "
               "kennen.",
               "G|De zorgverzekeraar en de gemeenten zijn betrokken bij de uitvoering van dit plan."]),
        ("colbreak",),
        ("h", 1, "Wat gaan we doen?"),
        ("p", ["A|We gaan een Twentse leerwerkplaats opzetten voor zij-instromers.",
               "A|Samen met ROC van Twente ontwikkelen we een verkorte opleiding tot verzorgende IG.",
               "M|In 2026 willen wij dat de helft van de zij-instromers na twee jaar nog in de sector werkt.",
               "M|Wij streven ernaar om in elke gemeente een vaste regeling voor de opvolging van huisartsen "
               "te hebben."]),
    ])

UTRECHT = dict(
    header="Regioplan Utrecht 2024",
    footer="Regioplan Werken in Zorg en Welzijn",
    blocks=[
        ("title", "Regioplan Werken in Zorg en Welzijn Utrecht 2024"),
        ("h", 1, "1 Aanleiding"),
        ("p", ["G|De regio Utrecht groeit snel en de partners willen samen zorgen voor voldoende goed opgeleide "
               "medewerkers.",
               "G|Dit regioplan is vastgesteld in het bestuurlijk overleg van 12 maart 2024."]),
        ("h", 1, "2 De regio in beeld"),
        ("h", 2, "2.1 Arbeidsmarkt"),
        ("p", ["G|In de regio Utrecht werken ongeveer 95.000 mensen in zorg en welzijn.",
               "S|Dankzij de regionale campagne is het aantal aanmeldingen voor zorgopleidingen met twaalf "
               "procent gestegen."]),
        ("h", 2, "2.2 Opgave en uitdagingen"),
        ("p", ["G|De partners hebben de volgende opgaven vastgesteld."]),
        ("ol", ["B|Te weinig medewerkers in de wijkverpleging om aan de groeiende zorgvraag te voldoen.",
                "B|Hoge uitstroom van verzorgenden in de eerste twee jaar na hun diploma.",
                "B|Onvoldoende begeleidingscapaciteit voor stagiairs in verpleeghuizen.",
                "B|Toenemende agressie tegen medewerkers in de acute zorg en de ggz.",
                "B|Lange wachttijden in de jeugd-ggz door een gebrek aan behandelaren."]),
        ("p", ["S|In de ziekenhuizen is de uitstroom wel gedaald door het nieuwe loopbaanbeleid."]),
        ("h", 1, "3 Ambities en acties"),
        ("p", ["M|Wij willen in 2027 de uitstroom van verzorgenden gehalveerd hebben.",
               "A|We gaan een regionale stagecoördinator aanstellen die werkbegeleiders ondersteunt."]),
    ])

GRONINGEN = dict(
    header="Regionaal actieplan Groningen",
    footer="Werk in Zicht",
    blocks=[
        ("title", "Regionaal actieplan Groningen 2024-2025"),
        ("p", ["G|Dit plan is opgesteld door Werk in Zicht met de Groningse zorgorganisaties."]),
        ("h", 1, "1 Inleiding"),
        ("p", ["G|Groningen heeft een relatief oude bevolking en een grote regio met veel kleine dorpen.",
               "G|In dit plan staan de analyse, de ambities en de acties voor de komende twee jaar."]),
        ("h", 1, "2 Probleemanalyse"),
        ("h", 2, "2.1 Ouderenzorg"),
        ("p", ["B|In de ouderenzorg is het aantal openstaande vacatures voor verzorgenden IG in twee jaar "
               "verdubbeld.",
               "B|Veel oudere medewerkers gaan de komende vijf jaar met pensioen, terwijl er te weinig jonge "
               "instroom is.",
               "S|Het project Langer Thuis heeft het aantal ligdagen in het verpleeghuis verlaagd."]),
        ("table", "C|Tabel 2. Verwachte uitstroom door pensioen per branche, 2024-2029",
         ["Branche", "Uitstroom", "Tekort 2029"],
         [["Ouderenzorg", "1.200", "800"], ["Gehandicaptenzorg", "450", "300"], ["Ziekenhuizen", "700", "250"]]),
        ("h", 2, "2.2 Jeugd en sociaal domein"),
        ("p", ["B|Wijkteams in het sociaal domein kampen met een hoog ziekteverzuim.",
               "B|Gemeenten melden dat jeugdprofessionals na korte tijd vertrekken naar een baan buiten de regio.",
               "G|De gemeente Groningen coördineert de inkoop van jeugdhulp voor de hele regio."]),
        ("h", 1, "3 Ambities"),
        ("ul", ["M|In 2025 willen wij 300 nieuwe zij-instromers verwelkomen in de ouderenzorg.",
                "M|Het ziekteverzuim in de wijkteams moet in 2025 onder de 7 procent liggen."]),
        ("h", 1, "4 Acties"),
        ("ul", ["A|We gaan een regionaal mobiliteitscentrum opzetten voor medewerkers die van baan willen "
                "wisselen.",
                "A|Werk in Zicht organiseert vier keer per jaar een banenmarkt voor herintreders."]),
    ])

LIMBURG = dict(
    header="Actieplan Zorgpersoneel Zuid-Limburg 2024-2026",
    footer="Zorg aan Zet Limburg",
    blocks=[
        ("title", "Actieplan Zorgpersoneel Zuid-Limburg 2024-2026"),
        ("sub", "Zorg aan Zet Limburg en partners"),
        ("h", 1, "1. Samenvatting"),
        ("p", ["G|Dit actieplan bundelt de afspraken van de Zuid-Limburgse zorg- en welzijnsorganisaties.",
               "A|De partners gaan de komende jaren samen investeren in opleiden, behoud en anders werken."]),
        ("h", 1, "2. Uitdagingen in de regio"),
        ("p", ["G|Zuid-Limburg heeft ongeveer 600.000 inwoners en grenst aan België en Duitsland."]),
        ("h", 2, "2.1 Personeel"),
        ("p", ["B|De ziekenhuizen in de regio hebben een structureel tekort aan operatieassistenten en "
               "anesthesiemedewerkers.",
               "B|In de verpleeghuizen lopen de wachtlijsten op omdat afdelingen door personeelsgebrek niet "
               "volledig open kunnen.",
               "S|Het aantal leerlingen in de BBL-opleiding verzorgende IG is dit jaar met vijftien procent "
               "gestegen.",
               "B|Veel jonge medewerkers vertrekken na hun opleiding naar werkgevers over de grens."]),
        ("h", 2, "2.2 Werkdruk en verzuim"),
        ("p", ["B|Door de hoge werkdruk in de thuiszorg is het ziekteverzuim opgelopen tot boven de negen "
               "procent.",
               "B|Wijkverpleegkundigen ervaren veel regeldruk door de verschillende eisen van zorgverzekeraars en "
               "gemeenten.",
               "G|De cijfers over verzuim komen van Vernet en de regionale arbeidsmarktmonitor."]),
        ("pagebreak",),
        ("h", 1, "3. Ambities"),
        ("p", ["M|In 2026 willen wij het ziekteverzuim in de thuiszorg terugbrengen naar zeven procent.",
               "M|Ons doel is dat negen van de tien gediplomeerden na hun opleiding in Zuid-Limburg blijven "
               "werken."]),
        ("h", 1, "4. Acties"),
        ("p", ["A|We gaan een grensoverschrijdend werkgeversnetwerk opzetten om medewerkers in de regio te "
               "houden.",
               "A|In 2024 starten we met een pilot zelfroosteren in drie thuiszorgteams."]),
        ("h", 1, "Bijlage 2 Vacaturecijfers per branche"),
        ("table", "C|Tabel 3. Vacatures en verwacht tekort per branche in Zuid-Limburg, peildatum 1 juli 2024",
         ["Branche", "Vacatures", "Verwacht tekort 2026"],
         [["Ziekenhuizen", "420", "650"], ["Verpleeghuizen", "380", "900"], ["Thuiszorg", "260", "500"],
          ["Gehandicaptenzorg", "150", "200"]]),
    ])

FLEVOLAND = dict(
    header="Regionaal Actieplan Flevoland 2024",
    footer="Zorgpact Flevoland",
    blocks=[
        ("title", "Regionaal Actieplan Flevoland 2024"),
        ("h", 1, "1. Inleiding"),
        ("p", ["G|Flevoland is een jonge regio met een snel groeiende bevolking.",
               "G|Dit plan is een gezamenlijke uitgave van Zorgpact Flevoland en de gemeenten."]),
        ("h", 1, "2. Analyse"),
        ("p", ["G|Voor deze analyse zijn gesprekken gevoerd met 25 organisaties."]),
        ("h", 2, "2.1 Uitdagingen"),
        ("ul", ["B|Zorgorganisaties in Almere vinden onvoldoende verpleegkundigen voor de nachtdiensten.",
                "B|Het aantal cliënten met complexe zorgvragen groeit harder dan het aantal medewerkers.",
                "B|Studenten haken af tijdens de opleiding doordat ze de combinatie van werken en leren te zwaar "
                "vinden.",
                "B|Medewerkers die tussen de Flevolandse kernen pendelen, hebben lange reistijden."]),
        ("figure", "C|Figuur 1. Ontwikkeling van het aantal vacatures in Flevoland, 2019-2024"),
        ("h", 2, "2.2 Wat gaat goed"),
        ("p", ["S|Het verloop in de ziekenhuizen is in 2023 gedaald naar negen procent.",
               "S|Dankzij Zorgtalent Flevoland kozen vorig jaar 150 scholieren voor een zorgopleiding."]),
        ("h", 1, "3. Aanpak"),
        ("p", ["A|We gaan samen met Windesheim een leerafdeling opzetten in het ziekenhuis in Lelystad.",
               "M|In 2026 willen wij dat elke nieuwe zorgmedewerker binnen een half uur van het werk kan wonen."]),
    ])

ZEELAND = dict(
    header="Zorgpersoneel in Zeeland | notitie 2024",
    footer="ViaZorg",
    blocks=[
        ("title", "Samen werken aan zorgpersoneel in Zeeland"),
        ("sub", "Regionale notitie van ViaZorg, 2024"),
        ("columns", 2),
        ("h", 1, "Inleiding"),
        ("p", ["G|ViaZorg brengt de Zeeuwse werkgevers in zorg en welzijn samen.",
               "G|In deze notitie beschrijven we hoe de Zeeuwse arbeidsmarkt ervoor staat en wat we samen gaan "
               "doen."]),
        ("h", 1, "De arbeidsmarkt in Zeeland"),
        ("p", ["B|In de Zeeuwse ouderenzorg zijn veel vacatures voor verzorgenden moeilijk vervulbaar.",
               "B|Door de grote afstanden is het lastig om personeel te vinden voor de thuiszorg op de eilanden.",
               "S|Het aantal herintreders in de zorg is in 2023 gestegen tot 120.",
               "B|Ziekenhuizen in Zeeland moeten dure uitzendkrachten inhuren om de diensten rond te krijgen.",
               "G|Ongeveer een op de zes Zeeuwse werknemers werkt in zorg en welzijn."]),
        ("colbreak",),
        ("h", 1, "Opleiden"),
        ("p", ["B|Jongeren die voor een hbo-opleiding verpleegkunde naar Rotterdam of Breda vertrekken, keren "
               "vaak niet terug.",
               "A|ViaZorg gaat met de HZ University of Applied Sciences een regionale hbo-route verpleegkunde "
               "opzetten.",
               "S|De eerste groep van twintig zij-instromers heeft dit voorjaar het diploma behaald."]),
        ("h", 1, "Vooruitblik"),
        ("p", ["M|In 2027 willen wij dat Zeeland evenveel verpleegkundigen opleidt als de zorg nodig heeft.",
               "A|We gaan de huisvesting van nieuwe medewerkers samen met de woningcorporaties regelen."]),
    ])

AMERSFOORT = dict(
    header="Plan van aanpak Amersfoort",
    footer="Regionaal Werkbedrijf",
    blocks=[
        ("title", "Plan van aanpak arbeidsmarkt zorg en welzijn Amersfoort"),
        ("h", 1, "1 Inleiding"),
        ("p", ["G|Dit plan is opgesteld door het Regionaal Werkbedrijf en de zorgwerkgevers in de regio "
               "Amersfoort."]),
        ("h", 1, "2 Problemen waar we tegenaan lopen"),
        ("ol", ["B|Door de krappe woningmarkt kunnen nieuwe medewerkers geen betaalbare woning in de regio "
                "vinden.",
                "B|De ggz-instellingen hebben lange wachtlijsten doordat er te weinig psychiaters zijn.",
                "B|Teams in de gehandicaptenzorg draaien op veel invalkrachten, wat de kwaliteit van zorg onder "
                "druk zet.",
                "B|Leidinggevenden hebben onvoldoende tijd om nieuwe medewerkers goed in te werken."]),
        ("p", ["S|Het verzuim in de ouderenzorg is wel licht gedaald.",
               "G|De precieze cijfers staan in tabel 1."]),
        ("table", "C|Tabel 1. Vacatures per functie, peildatum 1 maart 2024", ["Functie", "Vacatures"],
         [["Psychiater", "14"], ["Verpleegkundige", "85"], ["Persoonlijk begeleider", "40"]]),
        ("h", 1, "3 Doelen"),
        ("ul", ["M|In 2025 willen wij 50 extra woningen voor zorgmedewerkers beschikbaar hebben."]),
        ("h", 1, "4 Acties"),
        ("ul", ["A|We gaan met de woningcorporaties een voorrangsregeling voor zorgmedewerkers opzetten.",
                "A|De ggz-instellingen starten een gezamenlijk opleidingsprogramma voor verpleegkundig "
                "specialisten."]),
    ])

RIJNMOND = dict(
    header="Rijnmond 2024",
    footer="RotterdamZorg",
    blocks=[
        ("title", "Werken in zorg en welzijn in Rijnmond: stand van zaken 2024"),
        ("p", ["G|Deze notitie is geschreven voor het regionaal overleg van RotterdamZorg."]),
        ("h", 1, "Hoe staat de regio ervoor?"),
        ("p", ["B|In Rotterdam-Rijnmond blijven duizenden vacatures in de zorg onvervuld.",
               "B|Vooral in de wijkverpleging en de ouderenzorg is de personeelskrapte groot.",
               "S|De uitstroom van verpleegkundigen uit de ziekenhuizen is in 2023 voor het eerst gedaald.",
               "B|Veel medewerkers met een kleine deeltijdbaan willen meer uren werken, maar krijgen die kans "
               "niet.",
               "G|RotterdamZorg houdt de cijfers bij in het dashboard Zorgarbeidsmarkt."]),
        ("h", 1, "Wat we gaan doen"),
        ("p", ["A|We gaan de Rotterdamse Sterk in je Werk Week elk jaar organiseren.",
               "A|Zo gaan we de agressie tegen hulpverleners aanpakken met een regionaal meldpunt.",
               "M|In 2025 willen wij dat elke zorgmedewerker die meer uren wil werken, die uren ook krijgt."]),
    ])

# ---------------------------------------------------------------- import documents (practices)

TWO_PRACTICES = dict(
    header="Goede praktijken Noord-Holland Noord",
    footer="Actie Leer Netwerk",
    title="Goede praktijken uit Noord-Holland Noord",
    intro="Het Actie Leer Netwerk verzamelt praktijken die werken. In deze uitgave staan twee voorbeelden uit de "
          "regio, beschreven door de organisaties zelf.",
    practices=[
        ("1. Zelfroosteren in de wijkverpleging",
         ["Een thuiszorgorganisatie in Den Helder laat de wijkteams hun eigen roosters maken. Het team spreekt af "
          "hoeveel collega's per dienst nodig zijn; binnen die afspraken kiest iedereen zelf zijn diensten via "
          "een app. Een roostercoach helpt de teams in het eerste half jaar.",
          ("Wat levert het op?", "Na een jaar was het verzuim in de deelnemende teams gedaald van 8 naar 5 procent. "
           "Medewerkers zeggen dat werk en privé beter te combineren zijn.")]),
        ("2. Leerwerkhuis voor statushouders in Alkmaar",
         ["In Alkmaar hebben een zorgorganisatie, de gemeente en het ROC samen een leerwerkhuis ingericht. "
          "Statushouders wonen en leren er een jaar lang en lopen drie dagen per week mee in een verpleeghuis. "
          "Een taalcoach begeleidt hen op de werkvloer.",
          ("Wat levert het op?", "Van de eerste groep van achttien deelnemers zijn er veertien in dienst gekomen "
           "als helpende zorg en welzijn.")]),
    ])

NEWSLETTER = dict(
    header="Nieuwsbrief Actie Leer Netwerk",
    footer="Actie Leer Netwerk",
    title="Nieuwsbrief Actie Leer Netwerk, voorjaar 2025",
    intro="In deze nieuwsbrief twee praktijken die regio's met elkaar deelden tijdens de leerbijeenkomst van "
          "maart. Heeft u ook een praktijk die werkt? Laat het ons weten.",
    practices=[
        ("Van carrièreswitcher tot begeleider bij Pluryn",
         ["Zorgorganisatie Pluryn leidt zij-instromers in twee jaar op tot begeleider. De deelnemers werken "
          "minstens 22 uur per week en gaan daarnaast 8 uur per week naar school. Ze halen het mbo4-diploma "
          "Maatschappelijke zorg, met als uitstroomrichting gehandicaptenzorg of specifieke doelgroepen zoals "
          "jeugd.",
          "Vanaf de start van de opleiding krijgen ze een cao-salaris en een jaarcontract, met uitzicht op een "
          "vast contract. Op de werving kwamen 600 aanmeldingen voor 50 plekken."]),
        ("Statushouders aan de slag in de thuiszorg in Emmen",
         ["In Emmen leidt een thuiszorgorganisatie statushouders op tot helpende zorg en welzijn. Twee dagen per "
          "week krijgen de deelnemers taalles op de werkvloer van een taalcoach; de andere dagen lopen ze mee met "
          "een vaste collega in de wijk.",
          "Na achttien maanden hadden twaalf van de vijftien deelnemers een diploma en een arbeidscontract."]),
        ("Colofon",
         ["Deze nieuwsbrief is een uitgave van het Actie Leer Netwerk."]),
    ])

# (content, formats, options per format); every plan document is written from one of these.
PLANS = {
    "zhz-raat": (ZHZ, {"pdf": {}, "docx": {"styles": True}, "html": {}}),
    "twente-aanpak-tekorten": (TWENTE, {"pdf": {}, "docx": {"styles": False}, "html": {}}),
    "utrecht-regioplan": (UTRECHT, {"docx": {"styles": False}}),
    "groningen-actieplan": (GRONINGEN, {"md": {}}),
    "zuid-limburg-actieplan": (LIMBURG, {"pdf": {}}),
    "flevoland-actieplan": (FLEVOLAND, {"html": {}}),
    "zeeland-notitie": (ZEELAND, {"pdf": {}}),
    "amersfoort-plan-van-aanpak": (AMERSFOORT, {"docx": {"styles": True}}),
    "rijnmond-stand-van-zaken": (RIJNMOND, {"md": {}}),
}

IMPORTS = {
    "goede-praktijken-nhn": (TWO_PRACTICES, {"pdf": {}, "html": {}, "docx": {"styles": False}},
                             [("Zelfroosteren in de wijkverpleging", None),
                              ("Leerwerkhuis voor statushouders in Alkmaar", None)]),
    "nieuwsbrief-voorjaar-2025": (NEWSLETTER, {"docx": {"styles": True}, "html": {}, "md": {}},
                                  [("Van carrièreswitcher tot begeleider bij Pluryn", "carriereswitchers-van-pluryn"),
                                   ("Statushouders aan de slag in de thuiszorg in Emmen", None)]),
}
