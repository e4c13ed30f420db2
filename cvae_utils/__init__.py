"""Shared code for the course "From Autoencoders to Conditional VAEs".

Every chapter imports its data loaders, models, losses, evaluation and plots from here,
so that a chapter stays short and a fix lands in every chapter at once.
"""

__version__ = "0.2.0"

# The one place the repository address is written; _config.yml and the Colab cells are
# checked against it by tests/test_book.py.
REPOSITORY_URL = "https://github.com/cvae-course/cvae-course"
