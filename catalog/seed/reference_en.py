"""English of the seed catalogue's reference texts (legal basis, authority, documents), by the
German text. Federal acts carry their official English titles where the Confederation
publishes one; abbreviations and SR/SRL numbers stay as in German so they can be looked up."""

from __future__ import annotations

LEGAL_BASIS_EN = {
    "Abfallreglement der Gemeinde bzw. des Gemeindeverbands": (
        "Waste regulations of the commune or of its waste association"
    ),
    "Ausländer- und Integrationsgesetz (AIG, SR 142.20); Verordnung über Zulassung, Aufenthalt "
    "und Erwerbstätigkeit (VZAE, SR 142.201)": (
        "Foreign Nationals and Integration Act (AIG, SR 142.20); Ordinance on Admission, Period "
        "of Stay and Employment (VZAE, SR 142.201)"
    ),
    "Ausweisgesetz (AwG, SR 143.1); Ausweisverordnung (VAwG, SR 143.11)": (
        "Identity Documents Act (AwG, SR 143.1); Identity Documents Ordinance (VAwG, SR 143.11)"
    ),
    "Bundesgesetz über Schuldbetreibung und Konkurs (SchKG, SR 281.1), Art. 8a; "
    "Gebührenverordnung zum SchKG (GebV SchKG, SR 281.35)": (
        "Federal Act on Debt Collection and Bankruptcy (SchKG, SR 281.1), Art. 8a; Ordinance on "
        "Fees under the SchKG (GebV SchKG, SR 281.35)"
    ),
    "Bundesgesetz über die Alters- und Hinterlassenenversicherung (AHVG, SR 831.10), Art. 10": (
        "Federal Act on Old-Age and Survivors' Insurance (AHVG, SR 831.10), Art. 10"
    ),
    "Bundesgesetz über die Fischerei (BGF, SR 923.0); kantonale Fischereigesetzgebung": (
        "Federal Act on Fishing (BGF, SR 923.0); cantonal fishing legislation"
    ),
    "Bundesgesetz über die Krankenversicherung (KVG, SR 832.10), Art. 65; kantonales "
    "Einführungsgesetz zum KVG": (
        "Federal Act on Health Insurance (KVG, SR 832.10), Art. 65; cantonal act introducing the "
        "KVG"
    ),
    "Bürgerrechtsgesetz (BüG, SR 141.0); Kantonales Bürgerrechtsgesetz (SRL Nr. 2)": (
        "Swiss Citizenship Act (BüG, SR 141.0); cantonal citizenship act (SRL no. 2)"
    ),
    "Friedhof- und Bestattungsreglement der Gemeinde": (
        "Cemetery and burial regulations of the commune"
    ),
    "Gesetz über das Gastgewerbe und den Kleinhandel mit alkoholischen Getränken; Reglement "
    "über die Benützung des öffentlichen Grundes der Gemeinde": (
        "Cantonal act on hospitality and the retail sale of alcoholic beverages; regulations of "
        "the commune on the use of public land"
    ),
    "Gesetz über die Volksschulbildung des Kantons Luzern (VBG, SRL Nr. 400a)": (
        "Act on Compulsory Schooling of the Canton of Lucerne (VBG, SRL no. 400a)"
    ),
    "Kantonales Gesetz über das Halten von Hunden (Hundegesetz) und Hundeverordnung; "
    "Tierseuchenverordnung (TSV, SR 916.401)": (
        "Cantonal act on keeping dogs (Dog Act) and dog ordinance; Animal Diseases Ordinance "
        "(TSV, SR 916.401)"
    ),
    "Planungs- und Baugesetz des Kantons Luzern (PBG, SRL Nr. 735); Planungs- und "
    "Bauverordnung (PBV, SRL Nr. 736); Bau- und Zonenreglement der Gemeinde": (
        "Planning and Building Act of the Canton of Lucerne (PBG, SRL no. 735); Planning and "
        "Building Ordinance (PBV, SRL no. 736); building and zoning regulations of the commune"
    ),
    "Registerharmonisierungsgesetz (RHG, SR 431.02); kantonales Recht über das Einwohnerwesen; "
    "Gebührenreglement der Gemeinde": (
        "Register Harmonisation Act (RHG, SR 431.02); cantonal law on resident registration; fee "
        "regulations of the commune"
    ),
    "Reglement über die Betreuungsgutscheine der Gemeinde": (
        "Regulations of the commune on childcare vouchers"
    ),
    "Steuergesetz des Kantons Luzern (StG, SRL Nr. 620)": (
        "Tax Act of the Canton of Lucerne (StG, SRL no. 620)"
    ),
    "Strafregistergesetz (StReG, SR 330); Strafregisterverordnung (StReV, SR 331)": (
        "Criminal Records Registry Act (StReG, SR 330); Criminal Records Registry Ordinance "
        "(StReV, SR 331)"
    ),
    "Strassenverkehrsgesetz (SVG, SR 741.01); Signalisationsverordnung (SSV, SR 741.21); "
    "Parkierungsreglement der Gemeinde": (
        "Road Traffic Act (SVG, SR 741.01); Road Signs Ordinance (SSV, SR 741.21); parking "
        "regulations of the commune"
    ),
    "Strassenverkehrsgesetz (SVG, SR 741.01); Verkehrszulassungsverordnung (VZV, SR 741.51)": (
        "Road Traffic Act (SVG, SR 741.01); Road Traffic Licensing Ordinance (VZV, SR 741.51)"
    ),
    "Wasserversorgungsreglement der Gemeinde": "Water supply regulations of the commune",
    "Zivilgesetzbuch (ZGB, SR 210), Art. 39 ff.; Zivilstandsverordnung (ZStV, SR 211.112.2), "
    "Art. 34 ff.": (
        "Swiss Civil Code (ZGB, SR 210), Art. 39 ff.; Civil Status Ordinance (ZStV, "
        "SR 211.112.2), Art. 34 ff."
    ),
    "Zivilgesetzbuch (ZGB, SR 210), Art. 720 ff.": "Swiss Civil Code (ZGB, SR 210), Art. 720 ff.",
    "Zivilgesetzbuch (ZGB, SR 210); Zivilstandsverordnung (ZStV, SR 211.112.2); Verordnung über "
    "die Gebühren im Zivilstandswesen (GebV ZStV, SR 172.042.110)": (
        "Swiss Civil Code (ZGB, SR 210); Civil Status Ordinance (ZStV, SR 211.112.2); Ordinance "
        "on Civil Status Fees (GebV ZStV, SR 172.042.110)"
    ),
}

AUTHORITY_EN = {
    "AHV-Zweigstelle der Wohngemeinde / Ausgleichskasse Luzern": (
        "OASI branch office of your commune / Lucerne compensation office"
    ),
    "Amt für Migration des Kantons Luzern": "Migration Office of the Canton of Lucerne",
    "Ausgleichskasse Luzern (WAS Wirtschaft Arbeit Soziales)": (
        "Lucerne compensation office (WAS Wirtschaft Arbeit Soziales)"
    ),
    "Bauamt der Gemeinde": "Building office of the commune",
    "Bestattungsamt der Wohngemeinde": "Funeral office of your commune",
    "Betreibungsamt des Wohnorts": "Debt collection office of your place of residence",
    "Bundesamt für Justiz, Schweizerisches Strafregister": (
        "Federal Office of Justice, Swiss Criminal Records Registry"
    ),
    "Dienststelle Landwirtschaft und Wald, Fischerei und Jagd": (
        "Agriculture and Forestry Service, Fishing and Hunting"
    ),
    "Einbürgerungskommission / Gemeindekanzlei": "Naturalisation committee / commune chancery",
    "Einwohnerdienste": "Residents' services",
    "Einwohnerdienste der Wegzugsgemeinde": "Residents' services of the commune you leave",
    "Einwohnerdienste der Wohngemeinde": "Residents' services of your commune",
    "Einwohnerdienste der Zuzugsgemeinde": "Residents' services of the commune you move to",
    "Entsorgung der Gemeinde": "Waste services of the commune",
    "Fundbüro der Gemeinde": "Lost property office of the commune",
    "Hundekontrolle der Wohngemeinde": "Dog registration office of your commune",
    "Passbüro des Kantons Luzern (im Auftrag des Bundes)": (
        "Passport office of the Canton of Lucerne (on behalf of the Confederation)"
    ),
    "Schulverwaltung der Gemeinde": "School administration of the commune",
    "Sicherheit / Bewilligungen der Gemeinde": "Safety and permits office of the commune",
    "Sicherheit / Parkkarten der Gemeinde": "Safety and parking permits office of the commune",
    "Soziale Dienste der Gemeinde": "Social services of the commune",
    "Steueramt der Gemeinde": "Tax office of the commune",
    "Strassenverkehrsamt des Kantons Luzern": "Road Traffic Office of the Canton of Lucerne",
    "Wasserversorgung der Gemeinde": "Water supply of the commune",
    "Zivilstandsamt des Heimatkantons": "Civil registry office of your canton of origin",
    "Zivilstandsamt des Kantons Luzern": "Civil registry office of the Canton of Lucerne",
}

DOCUMENTS_EN = {
    "AMICUS-Registrierung (Mikrochip-Nummer)": "AMICUS registration (microchip number)",
    "Arbeitsbestätigung(en)": "Confirmation(s) of employment",
    "Ausländerausweis": "Foreign national's permit",
    "Ausländerausweis (ausländische Staatsangehörige)": (
        "Foreign national's permit (foreign nationals)"
    ),
    "Baubeschrieb": "Description of the building project",
    "Betreuungsvertrag der Kita oder Tagesfamilie": (
        "Childcare contract with the day-care centre or childminder"
    ),
    "Energienachweis (bei Neubauten)": "Energy certificate (for new buildings)",
    "Fahrzeugausweis": "Vehicle registration document",
    "Familienbüchlein oder Personenstandsausweis (falls vorhanden)": (
        "Family booklet or certificate of civil status (if available)"
    ),
    "Grundrisse, Schnitte und Fassaden": "Floor plans, sections and elevations",
    "Heimatschein (Schweizer Bürgerinnen und Bürger)": "Certificate of origin (Swiss citizens)",
    "Kontrollschilder": "Number plates",
    "Kopie eines amtlichen Ausweises": "Copy of an official identity document",
    "Kopie eines amtlichen Ausweises (Pass oder Identitätskarte)": (
        "Copy of an official identity document (passport or identity card)"
    ),
    "Krankenversicherungsausweis": "Health insurance card",
    "Krankenversicherungspolice des laufenden Jahres": "Health insurance policy of this year",
    "Letztes Zeugnis (bei Schulwechsel)": "Latest school report (when changing schools)",
    "Mietvertrag oder Bestätigung der Vermieterin": "Tenancy agreement or landlord's confirmation",
    "Nachweis Haftpflichtversicherung": "Proof of liability insurance",
    "Nothelferkurs-Ausweis": "First-aid course certificate",
    "Passfoto": "Passport photo",
    "Polizeiliche Verlustanzeige (bei Diebstahl)": "Police report (in case of theft)",
    "Sachkunde-Nachweis (SaNa)": "Certificate of dog-keeping competence (SaNa)",
    "Sehtest-Bestätigung": "Eyesight test confirmation",
    "Sicherheitskonzept (ab 1000 Personen)": "Safety plan (from 1000 people)",
    "Situationsplan": "Site plan",
    "Situationsplan (Katasterplan) mit Bauvorhaben": "Site plan (cadastral plan) with the project",
    "Verlustanzeige (falls verloren)": "Loss report (if lost)",
    "Wohnsitzbestätigung / Heimatausweis der Wohnsitzgemeinde": (
        "Certificate of residence / certificate of origin from your commune of residence"
    ),
    "bisheriger Ausweis": "Your current identity card",
    "bisheriger Pass": "Your current passport",
    "Ärztliche Todesbescheinigung": "Medical death certificate",
}


def document_entry(entry: str | dict) -> dict:
    """A required document as ``{"de": …, "en": …}`` (English from ``DOCUMENTS_EN``)."""
    if isinstance(entry, dict):
        return entry
    english = DOCUMENTS_EN.get(entry, "")
    return {"de": entry, "en": english} if english else {"de": entry}
