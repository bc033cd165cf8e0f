import json, os, re, sys, unicodedata, collections, importlib.util
D = os.path.dirname(os.path.abspath(__file__)); NAT = os.path.dirname(D); ROOT = os.path.dirname(os.path.dirname(NAT))
sys.path.insert(0, D)
from labels_12 import SHIPPED, SQUAD
try:
    from labels_3 import NEW
except ImportError:
    NEW = {}

def slug(t):
    t = unicodedata.normalize("NFKD", t.replace("_", " ").lower()).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", t).strip("-")

def parse(path):
    secs = collections.OrderedDict({None: []}); cur = None
    for line in open(path, encoding="utf-8"):
        line = line.rstrip("\n")
        if not line.strip(): continue
        if line.startswith("@"):
            cur = line[1:].strip(); secs[cur] = []; continue
        kind, q = line.split("|", 1); secs[cur].append((kind, q))
    return secs

texts = {}
texts["us-russia-dialogue-ukraine-peace-talks"] = open(f"{ROOT}/corpus/us-russia-dialogue-ukraine-peace-talks.txt", encoding="utf-8").read()
sq = json.load(open(f"{ROOT}/evals/data/squad-v1.1-dev-slice.json", encoding="utf-8"))
for a in sq["data"]:
    texts[slug(a["title"])] = "\n\n".join(p["context"] for p in a["paragraphs"])
adir = f"{NAT}/articles"
for f in sorted(os.listdir(adir)) if os.path.isdir(adir) else []:
    if f.endswith(".txt"):
        texts[f[:-4]] = open(f"{adir}/{f}", encoding="utf-8").read()

PREFIX = {"us-russia-dialogue-ukraine-peace-talks": "usru", "super-bowl-50": "sb50", "nikola-tesla": "tesla",
          "fresno-california": "fresno", "sky-united-kingdom": "sky", "oxygen": "oxygen", "black-death": "bdeath"}
HELD_SQUAD = {"sky-united-kingdom", "black-death"}
HELD_NEW = set(os.environ.get("HELD_NEW", "").split(",")) - {""}

groups = [("us-russia-dialogue-ukraine-peace-talks", parse(f"{D}/shipped_blind.txt")[None], SHIPPED)]
sqb = parse(f"{D}/squad_blind.txt")
for aid, qs in sqb.items():
    if aid is not None: groups.append((aid, qs, SQUAD[aid]))
if os.path.exists(f"{D}/new_blind.txt"):
    for aid, qs in parse(f"{D}/new_blind.txt").items():
        if aid is not None: groups.append((aid, qs, NEW[aid]))

dev, held, errors = [], [], []
for aid, qs, labels in groups:
    assert aid in texts, aid
    assert len(qs) == len(labels), (aid, len(qs), len(labels))
    low = texts[aid].lower(); pre = PREFIX.get(aid, aid.split("-")[0])
    for i, ((kind, q), lab) in enumerate(zip(qs, labels), 1):
        hist = []
        if " >> " in q:
            first, q = q.split(" >> "); hist = [first]
        item = {"id": f"{pre}-{i:02d}", "question": q}
        if hist: item["history"] = hist
        item["article_id"] = aid
        if isinstance(lab, dict) and "answers" in lab:
            kind = lab.get("kind", kind) if kind != "followup" else kind; lab = lab["answers"]
        if kind == "unanswerable" and lab is not None: kind = "fact"
        item["kind"] = kind
        item["answerable"] = lab is not None
        strings = []
        if isinstance(lab, dict):
            item["keys"] = lab["keys"]; item["min_keys"] = lab["min_keys"]; strings = lab["keys"]
            if lab["min_keys"] > len(lab["keys"]): errors.append((item["id"], "min_keys"))
        elif lab is not None:
            item["answers"] = lab; strings = lab
        for s in strings:
            if s.lower() not in low: errors.append((item["id"], s))
        item["tags"] = ["natural", kind]
        if aid.startswith("us-russia"):
            (held if i % 2 == 0 else dev).append(item)
        elif aid in HELD_SQUAD or aid in HELD_NEW:
            held.append(item)
        else:
            dev.append(item)

ids = [x["id"] for x in dev + held]; assert len(ids) == len(set(ids))
if errors:
    print("NOT VERBATIM:", errors); sys.exit(1)
for name, items in (("dev", dev), ("heldout", held)):
    with open(f"{NAT}/{name}.jsonl", "w", encoding="utf-8") as fh:
        for x in items: fh.write(json.dumps(x, ensure_ascii=False) + "\n")
print("dev", len(dev), "heldout", len(held))
