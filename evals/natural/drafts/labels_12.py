# Labels written AFTER reading the full texts; questions come verbatim from *_blind.txt.
# Each entry: None = unanswerable; list = answers; dict(keys=..., min_keys=...) for summary/list;
# optional ("kind", value) override when a blind near-miss turned out answerable.
U = None
SHIPPED = [
 ["Malaysia"],
 ["Foreign Minister"],
 ["Secretary of State"],
 ["CNN"],
 ["disappointment", "frustration"],
 ["cautious optimism", "glimmer of hope"],
 ["rare", "rarity", "infrequent"],
 dict(keys=["mistrust", "territorial boundaries", "heavily armed forces", "different perspectives"], min_keys=2),
 ["mediate", "unique position"],
 ["strategic interests"],
 ["Cold War", "deep divide", "decades"],
 dict(keys=["Malaysia", "Rubio", "Lavrov", "peace talks", "disappointment", "China", "obstacles", "cautious optimism"], min_keys=2),
 dict(keys=["Malaysia", "peace talks", "disappointment", "frustration", "de-escalation", "mistrust", "cautious optimism"], min_keys=2),
 ["Emily Carter"],
 U,
 ["Malaysia"],
 ["disappointment", "frustration"],
 ["rare", "rarity", "infrequent"],
 dict(keys=["peace talks", "Trump"], min_keys=2),
 ["Neptune missiles", "Chinese nationals"],
 ["protracted"],
 ["energy", "food security", "trade"],
 U, U, U, U, U, U, U, U, U, U, U,
 ["international summit"],
 ["Trump"],
 ["uncertain", "glimmer of hope"],
 ["unique position", "mediate"],
 ["ideas"],
 ["Analytical"],
 U,
]
SQUAD = {
 "super-bowl-50": [
  ["Broncos"], ["24–10"], ["Levi's Stadium"], ["CBS"], ["Von Miller"],
  dict(keys=["Denver Broncos", "Carolina Panthers", "24–10", "Levi's Stadium", "February 7, 2016", "Von Miller", "Coldplay", "CBS"], min_keys=2),
  dict(keys=["Coldplay", "Beyoncé", "Bruno Mars", "Mark Ronson"], min_keys=3),
  ["logo"], ["third"], ["February 7, 2016"], ["39"], U, U, U],
 "nikola-tesla": [
  ["Smiljan"], ["7 January 1943"], ["inventor", "electrical engineer"], ["alternating current"], ["Edison"], ["Serbian American"],
  dict(keys=["alternating current", "Edison", "Westinghouse", "War of Currents", "Wardenclyffe Tower", "Smiljan", "induction motor", "7 January 1943"], min_keys=2),
  dict(keys=["inventor", "electrical engineer", "mechanical engineer", "physicist", "futurist"], min_keys=3),
  ["fifty thousand dollars", "American humor"], ["7 January 1943"], ["direct current", "DC"],
  {"answers": ["6 feet 2 inches", "1.88 m"], "kind": "fact"},
  {"answers": ["never married"], "kind": "fact"},
  U],
 "fresno-california": [
  ["520,159", "494,665"], ["Fresno County"], ["San Joaquin Valley"], ["fifth"], ["Central Valley"],
  dict(keys=["county seat", "520,159", "fifth-largest", "San Joaquin Valley", "ash tree", "BankAmericard", "Tower District", "semi-arid"], min_keys=2),
  U, ["ash tree"], U, ["Central Pacific Railroad"], ["34th"], U, U, U],
 "sky-united-kingdom": [
  ["1990"], dict(keys=["Sky Television", "British Satellite Broadcasting"], min_keys=2), ["Sky plc"], ["90.04%"],
  ["telecommunications company", "pay-TV broadcaster"],
  dict(keys=["Sky Television", "British Satellite Broadcasting", "Sky plc", "pay-TV", "Premier League", "11 million", "Freeview", "Sky Q"], min_keys=2),
  dict(keys=["UK", "Italia", "Deutschland"], min_keys=2),
  ["Sky Italia", "Sky Deutschland"], ["carriage", "cable", "largest pay-TV broadcaster"], U, U, U, U, U],
 "oxygen": [
  ["8"], ["O"], ["third"], ["chalcogen"], ["Priestley", "Scheele"],
  dict(keys=["chemical element", "atomic number 8", "chalcogen", "third-most abundant", "Priestley", "Scheele", "Lavoisier", "ozone"], min_keys=2),
  dict(keys=["hydrogen", "helium"], min_keys=2),
  ["electronegativity", "triplet"], ["allotrope", "UVB"], ["1774", "1773"], ["blue"], U, U,
  {"answers": ["−297.31", "297.31"], "kind": "fact"}],
 "black-death": [
  ["Central Asia", "China"], ["1343"], ["fleas"], ["30–60%", "60", "third"], ["plague"],
  dict(keys=["Central Asia", "Silk Road", "Crimea", "fleas", "Yersinia pestis", "30–60%", "merchant ships", "450 million"], min_keys=2),
  dict(keys=["Mediterranean", "Europe", "Middle East", "Crimea", "China", "Russia", "Egypt", "Scandinavia"], min_keys=3),
  ["merchant ships", "ships", "ship", "rats"], U, ["Yersin"], ["17th century"], U, U, U],
}
