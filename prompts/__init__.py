"""The prompt templates, one `.txt` file per prompt; installed as the data package `assistant.prompts`."""
