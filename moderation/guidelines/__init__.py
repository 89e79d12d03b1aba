"""Creation guidelines: text normalisation and screening of prompts, titles and comments against PolicyRules.

Pure Python (plus MiniLM for concepts): no Django imports here, so the matcher is testable on its own;
moderation.services loads PolicyRule rows into it.
"""
