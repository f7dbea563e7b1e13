"""Topics and life events of the catalogue (slug, kind, German, English)."""

TOPICS = [
    ("wohnsitz", "topic", "Wohnsitz und Aufenthalt", "Residence"),
    ("ausweise", "topic", "Ausweise und Bestätigungen", "ID documents and certificates"),
    ("steuern", "topic", "Steuern und Finanzen", "Taxes and finances"),
    ("tiere", "topic", "Tiere", "Animals"),
    ("fahrzeuge", "topic", "Fahrzeuge und Verkehr", "Vehicles and traffic"),
    ("bauen", "topic", "Bauen und Wohnen", "Building and housing"),
    ("zivilstand", "topic", "Zivilstand und Bürgerrecht", "Civil status and citizenship"),
    ("soziales", "topic", "Soziales und Gesundheit", "Social affairs and health"),
    ("freizeit", "topic", "Freizeit, Anlässe und Fischerei", "Leisure, events and fishing"),
    ("entsorgung", "topic", "Entsorgung und Versorgung", "Waste and utilities"),
    ("bildung", "topic", "Bildung und Schule", "Education and school"),
    ("recht", "topic", "Recht und Sicherheit", "Law and safety"),
    ("umzug", "life_event", "Umzug", "Moving house"),
    ("familie", "life_event", "Familie und Kinder", "Family and children"),
    ("haustier", "life_event", "Ein Tier kommt ins Haus", "Getting a pet"),
    ("fahrzeug", "life_event", "Auto und Führerausweis", "Car and driving licence"),
    ("todesfall", "life_event", "Todesfall", "Bereavement"),
    ("neu-in-der-schweiz", "life_event", "Neu in der Schweiz", "New in Switzerland"),
    ("hausbau", "life_event", "Bauen und Renovieren", "Building and renovating"),
    ("steuererklaerung", "life_event", "Steuererklärung", "Tax return"),
]
