"""Read a student's answers inside their kernel (the code of the grader's probe cells).

Like :mod:`course_lib.grading._encode`, this module is self-contained: the grader pastes its
source, with the encoder's, into every probe cell, where both run in a namespace of their own
whose builtins are the real ones. A student's variable called ``type``, ``list``, ``dict``,
``str``, ``len`` or ``print`` therefore cannot change how an answer is read; only the answer
itself is looked up in the student's namespace, explicitly. ``encode`` and ``decode_input``
come from the encoder's source, executed in the same namespace first.

Each probe prints one line: the grader's secret tag, a space, and plain JSON.
"""

MAX_RAISED_NAME = 60


def read_value(namespace, config_text):
    """Print the tagged JSON line of a value question's answer ``namespace[name]``.

    ``config_text`` is JSON: ``{"id": ..., "name": ..., "tag": ...}``. The line holds
    ``"missing": true``, ``"value": <encoded>``, or ``"error": <exception name>``.
    """
    import json

    config = json.loads(config_text)
    out = {"id": config["id"]}
    try:
        if config["name"] not in namespace:
            out["missing"] = True
        else:
            out["value"] = encode(namespace[config["name"]])  # noqa: F821 - from the encoder's source
    except BaseException as err:  # noqa: BLE001 - whatever the answer's own code raises
        out["error"] = str(type(err).__name__)[:MAX_RAISED_NAME]
    print(config["tag"] + " " + json.dumps(out))


def call_function(namespace, config_text):
    """Call a function question's answer on each input and print one tagged JSON line.

    ``config_text`` is JSON: ``{"id", "name", "tag", "calls": [[group, args], ...],
    "call_timeout": s, "budget": s}``. Each call may take ``call_timeout`` seconds and all calls
    together ``budget`` seconds. Once a call of a hidden group raises or runs out of time, the
    group has failed: its other calls are skipped, so a function that hangs costs one
    ``call_timeout`` per group, not per input. Each result is ``{"ok": <encoded>}``,
    ``{"raised": <exception name>}``, ``{"time": "call"}`` (past ``call_timeout``),
    ``{"time": "budget"}`` (not run: the budget was spent), ``{"skipped": true}`` or
    ``{"interrupted": true}``.
    """
    import contextlib
    import io
    import json
    import signal
    import time

    config = json.loads(config_text)
    out = {"id": config["id"]}

    class CallTimeout(Exception):
        pass

    def alarm(signum, frame):
        raise CallTimeout()

    try:
        name = config["name"]
        if name not in namespace:
            out["missing"] = True
        elif not callable(namespace[name]):
            out["value"] = encode(namespace[name])  # noqa: F821 - from the encoder's source
        else:
            function = namespace[name]
            results = []
            out["results"] = results
            try:
                previous = signal.signal(signal.SIGALRM, alarm)
            except (ValueError, OSError):
                previous = None
            started = time.monotonic()
            failed_groups = set()
            interrupted = False
            for group, args in config["calls"]:
                if interrupted:
                    results.append({"interrupted": True})
                    continue
                if group != "example" and group in failed_groups:
                    results.append({"skipped": True})
                    continue
                if time.monotonic() - started > config["budget"]:
                    results.append({"time": "budget"})
                    continue
                sink = io.StringIO()
                try:
                    if previous is not None:
                        signal.setitimer(signal.ITIMER_REAL, config["call_timeout"])
                    try:
                        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                            value = function(*decode_input(args))  # noqa: F821 - from the encoder's source
                    finally:
                        if previous is not None:
                            signal.setitimer(signal.ITIMER_REAL, 0)
                    results.append({"ok": encode(value)})  # noqa: F821
                except CallTimeout:
                    results.append({"time": "call"})
                    failed_groups.add(group)
                except KeyboardInterrupt:
                    results.append({"interrupted": True})
                    interrupted = True
                except BaseException as err:  # noqa: BLE001 - the student's function raised
                    results.append({"raised": str(type(err).__name__)[:MAX_RAISED_NAME]})
                    failed_groups.add(group)
            if previous is not None:
                signal.signal(signal.SIGALRM, previous)
    except BaseException as err:  # noqa: BLE001
        out["error"] = str(type(err).__name__)[:MAX_RAISED_NAME]
    print(config["tag"] + " " + json.dumps(out))
