# Labels written AFTER reading the full new articles; questions are verbatim from new_blind.txt.
U = None
def F(*a): return {"answers": list(a), "kind": "fact"}   # blind near-miss that the text does answer
NEW = {
 "brackenridge-free-school-meals-study": [
  ["2.1"], ["1.4"], ["no clear change"], ["Haldane"], ["Professor", "School of Public Health"], ["Hannah Okafor"],
  dict(keys=["2.1", "obesity", "attendance", "mathematics", "reading", "38,000", "University of Haldane", "42 million"], min_keys=2),
  dict(keys=["obesity", "attendance", "mathematics", "stigma", "42 million", "Brackenridge", "2.1"], min_keys=2),
  dict(keys=["random", "9 percent", "too short", "nutrition standards"], min_keys=2),
  ["stigma", "paperwork"],
  dict(keys=["obesity", "attendance", "mathematics", "reading"], min_keys=3),
  ["42 million", "17 million"], ["26"], ["two years", "two-year"],
  ["Journal of Child Health Policy"], ["0.06"], ["38,000"],
  U, U, U, F("2.60"), F("no plans"), U, U],
 "harbour-town-electric-ferry": [
  ["Gull Light"], ["Merrow"], ["310,000"], ["14 April 2025"], ["ten months"],
  dict(keys=["Innis Point", "Farrow Island"], min_keys=2),
  ["40 minutes", "40-minute"], ["grid", "quay wall", "storms"],
  dict(keys=["Coastal Decarbonisation Fund", "Westmoor County Council", "town council"], min_keys=2),
  ["410,000", "690,000"], ["mayor"], ["shipyard"], ["Daniel Pryce"],
  dict(keys=["Gull Light", "Merrow", "14 April 2025", "11.8 million", "Innis Point", "Farrow Island", "ten months", "410,000"], min_keys=2),
  dict(keys=["Gull Light", "Merrow", "11.8 million", "ten months", "emissions", "Innis Point", "Farrow Island"], min_keys=2),
  ["2.2 million"], U, ["148"],
  F("12 minutes"), F("3.40"), F("reserve"), F("1.9"), F("no cars"), U],
 "lumenfold-layoffs-ai-pivot": [
  ["1,150"], ["18 percent", "18"], dict(keys=["Lisbon", "Krakow"], min_keys=2), ["stop selling", "new licences"],
  ["chief executive", "co-founded"], ["activist"], ["slowing", "competition", "investors", "Harrowgate"],
  ["400 million"], ["invoice matching", "expense approval", "supplier negotiation"],
  dict(keys=["customer support", "sales", "Ledgerline engineering", "administrative"], min_keys=2),
  ["16 weeks"], ["nearly half", "480"], ["Marcus Webb"],
  dict(keys=["1,150", "18 percent", "400 million", "Lisbon", "Krakow", "Ledgerline", "Harrowgate", "AI agents"], min_keys=2),
  dict(keys=["1,150", "400 million", "Ledgerline", "customer support", "Daniel Marsh", "Corvant", "Clearpath"], min_keys=2),
  ["lower costs", "clearer AI strategy"], ["local law"], ["6,400"],
  F("9 percent", "9"), F("30 September"), U, U, F("1.27 billion"), F("Daniel Marsh", "Priya Nandakumar")],
 "oberwald-saint-leger-rail-reopening": [
  ["14 December"], ["May 1971"], ["47"], ["38 minutes"], ["1 hour 15 minutes"], ["battery-electric"],
  dict(keys=["40", "35", "25"], min_keys=3), ["386 million"],
  dict(keys=["bridge", "bats", "signalling"], min_keys=3), ["corroded"], ["European Union", "EU"], ["6.90"], ["Claire Dubois"],
  dict(keys=["14 December", "1971", "386 million", "38 minutes", "Rhine", "battery-electric", "bats", "6.90"], min_keys=2),
  dict(keys=["14 December", "54 years", "1971", "386 million", "38 minutes", "battery-electric", "Rhine"], min_keys=2),
  ["bat passage", "summer months"], ["38 minutes"], ["Rhine"],
  U, F("Kessler"), F("4,800"), U, F("12 bicycles", "12"), U],
 "oriel-valley-drought-rationing": [
  ["18 percent", "18"], ["1 July 2025"], ["end of October"], ["160"], ["210"],
  dict(keys=["rain", "heat", "evaporation", "aquifers"], min_keys=2),
  ["41"], ["40"], ["60 million"], ["minister"], ["reservoir"], ["2027"],
  ["cost disputes", "brine discharge", "legal challenge"], ["Lucia Marin"],
  dict(keys=["stage three", "1 July 2025", "160 litres", "18 percent", "Canto Rojo", "40 percent", "desalination", "farmers"], min_keys=2),
  dict(keys=["stage three", "18 percent", "160 litres", "40 percent", "60 million", "Santa Lua", "hotels", "fines"], min_keys=2),
  dict(keys=["households", "farmers", "hotels", "industry"], min_keys=2),
  ["2025"], ["18 percent", "18"],
  F("750", "3,000"), U, U, F("1.3 million"), U],
}
