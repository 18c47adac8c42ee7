"""Where things live in the project: the one definition of the repository root, the Rasa toolchain and
the files a model is trained and evaluated from."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RASA_VENV = ROOT / ".venv-rasa"
RASA_PYTHON = RASA_VENV / "bin" / "python"
RASA_BIN = RASA_VENV / "bin" / "rasa"
# `rasa run` and the action server behind their locks (doors/): Rasa gets its API token from RASA_TOKEN
# rather than the command line, and the action server checks the internal secret on every call.
RASA_SERVER = (str(RASA_PYTHON), "-m", "doors.rasa_server")
ACTION_SERVER = (str(RASA_PYTHON), "-m", "doors.action_server")
RASA_LOCK = ROOT / "requirements" / "rasa.lock"
# Linked (not copied) into a training snapshot: config.yml names the spaCy model by this relative path.
SPACY_DIR = ".spacy"
SPACY_MODEL = ROOT / SPACY_DIR / "sv_lookup"
MODELS = ROOT / "models"
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
# What a trained model depends on: when any of these change, the model is stale. Relative to a project
# root (the repository, or the copy the administration works on).
TRAINING_INPUTS = ("config.yml", "domain.yml", "data")
