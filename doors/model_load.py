"""A trained model loaded without Rasa's one-example training step: 24 s → 8 s for this project's model.

Rasa 3.6 (`RasaModel.load`, rasa/utils/tensorflow/models.py) builds a loaded DIET model's weights by
*training it on one example* (`model.fit`) and only then reads the trained weights over them; the fit
traces TensorFlow's whole training graph, which is 19 of the 24 s a load takes on 2 cores (measured with
the project's model). Every start of Rasa pays it: `make run`, each deploy's stand-in and hot swap, each
evaluation, each end-to-end test stack.

TensorFlow can restore a checkpoint into weights that do not exist yet: `load_weights` on an unbuilt
model defers each value until its weight is created, and the prediction Rasa runs on an example right
after the load (`run_inference`, to trace the prediction graph) creates them. So the load here skips the
fit: compile (as Rasa does), read the weights, predict the example, then check that every weight that
exists was restored (`assert_existing_objects_matched`, which raises otherwise). Weights only training
uses (the optimizer's) stay unread; a model loaded to be trained further (`finetune_mode`, `rasa train
--finetune`) or without a prediction example goes Rasa's own way.

`tests/assistant/test_model_load.py` loads the project's model both ways and compares the intents and
confidences of every held-out message (identical to the last bit when measured). The replaced function is
that of the pinned Rasa (requirements/rasa.lock); with another Rasa version the patch is not installed.
"""
from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger(__name__)

RASA_VERSION = "3.6.21"


def install() -> bool:
    """Replace `RasaModel.load` in this process; False (and Rasa's own load kept) with another Rasa."""
    import rasa
    import tensorflow as tf
    from rasa.utils.tensorflow.constants import LEARNING_RATE, RUN_EAGERLY
    from rasa.utils.tensorflow.model_data import RasaModelData
    from rasa.utils.tensorflow.models import RasaModel

    if rasa.__version__ != RASA_VERSION:
        log.warning("Rasa %s, not %s: models load Rasa's own way", rasa.__version__, RASA_VERSION)
        return False
    rasa_load = RasaModel.load.__func__

    def load(
        cls: type[RasaModel], model_file_name: str, model_data_example: RasaModelData,
        predict_data_example: RasaModelData | None = None, finetune_mode: bool = False, *args: Any, **kwargs: Any,
    ) -> RasaModel:
        if finetune_mode or predict_data_example is None:
            return rasa_load(cls, model_file_name, model_data_example, predict_data_example, finetune_mode, *args, **kwargs)
        model = cls(*args, **kwargs)
        config = kwargs.get("config", {})
        model.compile(
            optimizer=tf.keras.optimizers.Adam(config.get(LEARNING_RATE, 0.001)), run_eagerly=config.get(RUN_EAGERLY)
        )
        restored = model.load_weights(model_file_name)
        model.run_inference(predict_data_example)
        restored.assert_existing_objects_matched()
        return model

    RasaModel.load = classmethod(load)
    return True
