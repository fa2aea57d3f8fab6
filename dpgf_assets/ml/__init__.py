"""The trade model (group ml): taxonomy, training set, features, model families, evaluation, predictions."""

FAMILIES = ("linear", "random_forest", "naive_bayes")  # the model families ``ml.<mode>.family`` allows
MODES = ("dev", "prod")


class TrainingDataError(ValueError):
    """The training set cannot train a model; the message says why and what to do."""


class ModelUnavailableError(RuntimeError):
    """No usable saved model: the message says how to train one."""
