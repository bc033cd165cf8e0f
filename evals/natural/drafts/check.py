import json, sys, os
sys.path.insert(0, '.')
from assistant.eval.metrics import contains_answer
D = 'evals/natural/drafts'
src = open(f'{D}/build.py').read().split("PREFIX =")[0].replace("__file__", repr(f'{D}/build.py'))
exec(src)
bad = []
for f in ['dev', 'heldout']:
    for l in open(f'evals/natural/{f}.jsonl'):
        x = json.loads(l); t = texts[x['article_id']]
        for s in x.get('answers', []) + x.get('keys', []):
            if not contains_answer(t, [s]): bad.append((x['id'], s))
print("not whole-word matchable:", bad)
