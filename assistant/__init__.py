"""The assistant's model lifecycle: project paths, the Rasa environment, training, validation,
evaluation, prediction, the in-service model link and the emergency safety net. Used by the command
line (`bot/`) and the administration (`router/admin/`); it imports neither, so both can depend on it."""
