"""Settings files: the one JSON format of recipes, user config files and a run's config.json.

A settings file is a JSON object whose keys are `keras_wgan.run_config.TrainConfig` fields, plus
two optional keys of prose, `about` (what the settings are for) and `measured_by` (the benchmark
command and results file that measured them). The measured recipes ship as such files in
`keras_wgan/recipes/`. Neither TensorFlow nor Keras is imported.
"""

import json
import os

__all__ = [
    "DESCRIPTION_KEYS",
    "RECIPE_DIR",
    "describe",
    "read",
    "read_recipes",
    "recipe_names",
    "recipe_path",
    "write",
]

RECIPE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "recipes")
# Keys a settings file may hold besides the fields: prose, never settings.
DESCRIPTION_KEYS = ("about", "measured_by")


def read(path):
    """The settings of a settings file, without its description keys.

    Args:
        path: str. A JSON file holding one object.

    Returns:
        A dict of settings (field name to value).

    Raises:
        ValueError: the file cannot be read, is not JSON, or does not hold a JSON object.
    """
    try:
        with open(path) as file:
            content = json.load(file)
    except (OSError, UnicodeDecodeError) as error:
        raise ValueError(f"Cannot read the settings file {path!r}: {error}") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"The settings file {path!r} is not valid JSON: {error}") from None
    if not isinstance(content, dict):
        raise ValueError(
            f"A settings file holds one JSON object of settings. Received in {path!r}: "
            f"{type(content).__name__}"
        )
    return {key: value for key, value in content.items() if key not in DESCRIPTION_KEYS}


def write(path, settings, about=None):
    """Writes `settings` as a settings file, atomically (a temporary file renamed over `path`).

    Args:
        path: str. The file to write.
        settings: dict. Field name to a JSON-serializable value.
        about: str or `None`. A one-line description, written first.
    """
    content = ({"about": about} if about else {}) | dict(settings)
    temporary = f"{path}.tmp-{os.getpid()}"
    with open(temporary, "w") as file:
        json.dump(content, file, indent=1)
        file.write("\n")
    os.replace(temporary, path)


def recipe_names():
    """The names of the packaged recipes, sorted (`"digits"`, `"grid25"`, ...)."""
    return sorted(
        name[: -len(".json")] for name in os.listdir(RECIPE_DIR) if name.endswith(".json")
    )


def recipe_path(name):
    """The packaged file of recipe `name`.

    Raises:
        ValueError: no recipe has that name.
    """
    if name not in recipe_names():
        raise ValueError(f"`name` must be one of {recipe_names()}. Received: name={name!r}")
    return os.path.join(RECIPE_DIR, f"{name}.json")


def read_recipes():
    """Every packaged recipe's settings, by name."""
    return {name: read(recipe_path(name)) for name in recipe_names()}


def describe(name):
    """`(about, measured_by)` of recipe `name`: its two lines of prose."""
    with open(recipe_path(name)) as file:
        content = json.load(file)
    return tuple(content.get(key, "") for key in DESCRIPTION_KEYS)
