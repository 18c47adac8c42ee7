"""Build the blank Swedish spaCy pipeline with the lookup lemmatizer (runs inside .venv-rasa).

spacy-lookups-data ships the Swedish lemma table, so nothing is downloaded.
Usage: .venv-rasa/bin/python bot/build_spacy_model.py OUTPUT_DIR
"""
import sys
from pathlib import Path

import spacy


def build(output_dir: str) -> None:
    nlp = spacy.blank("sv")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    nlp.meta["name"] = "sv_helsingborg_lookup"
    nlp.meta["description"] = "Blank Swedish pipeline with the lookup lemmatizer from spacy-lookups-data"
    Path(output_dir).parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output_dir)


if __name__ == "__main__":
    build(sys.argv[1])
