"""Section self-check quizzes, attempts and mastery."""
