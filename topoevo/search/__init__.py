"""Weight evolution for fixed networks (deep GA, OpenAI-ES), batched with ``torch.func``.

``models`` (model specs and the MLP/CNN factory), ``params`` (flat parameter vectors, populations, initialisation),
``population`` (batched evaluation: :class:`BatchedModule`, the ``compile_fn``), ``io`` (champion files and
checkpoint arrays, no pickle), ``base`` (what the algorithms share), ``ga`` (deep GA, steady-state GA), ``es``
(OpenAI-ES), ``backprop`` (the same network trained by Adam, as the gradient reference).
"""
