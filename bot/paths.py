"""Where things live in the project."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RASA_VENV = ROOT / ".venv-rasa"
RASA_PYTHON = RASA_VENV / "bin" / "python"
RASA_BIN = RASA_VENV / "bin" / "rasa"
RASA_LOCK = ROOT / "requirements" / "rasa.lock"
SPACY_MODEL = ROOT / ".spacy" / "sv_lookup"
MODELS = ROOT / "models"
# In a models folder: a symlink to the model the administration deployed last (router/admin/lifecycle.py).
IN_SERVICE = "in-service"
VAR = ROOT / "var"
ENV_FILE = ROOT / ".env"
ENV_EXAMPLE = ROOT / ".env.example"
TEST_NLU = ROOT / "tests" / "nlu" / "test_nlu.yml"
EMERGENCY_CASES = ROOT / "tests" / "nlu" / "emergency_cases.yml"
# Written without looking at data/: out-of-scope messages, paraphrases of covered topics, ordinary messages.
UNSURE_CASES = ROOT / "tests" / "nlu" / "unsure_cases.yml"
CONFIG = ROOT / "config.yml"
TEST_STORIES = ROOT / "tests" / "nlu" / "test_stories.yml"
RESULTS = ROOT / "results"
# What a trained model depends on: when any of these change, the model is stale.
TRAINING_INPUTS = ("config.yml", "domain.yml", "data")
