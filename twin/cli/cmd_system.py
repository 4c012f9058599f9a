"""Session and configuration-management commands: views, sysname, commit,
trial, rollback, lock, save (VRP8.md 1, 3, 4)."""

from __future__ import annotations

from ..config.model import RouterConfig
from . import views as v
from .grammar import Args, CliSyntaxError
from .registry import command
from .session import CliSession, ConfigError

ANY = "any"  # every view except the user view


@command("system-view", v.USER)
def system_view(s: CliSession, a: Args) -> None:
    s.print("Enter system view, return user view with return command.")
    s.enter(v.SYSTEM_VIEW)


@command("quit", v.USER, ANY)
def quit_(s: CliSession, a: Args) -> None:
    if s.view.kind == v.USER:
        s.logout()
    elif s.view.kind == v.SYSTEM:
        s.to_user_view()
    else:
        assert s.view.parent is not None
        s.enter(s.view.parent)


@command("return", v.USER, ANY)
def return_(s: CliSession, a: Args) -> None:
    if s.view.kind != v.USER:
        s.to_user_view()


@command("screen-length <n:INT(0-512)> temporary", v.USER)
def screen_length(s: CliSession, a: Args) -> None:
    s.print("Info: The configuration takes effect on the current user terminal interface only.")


@command("sysname <name:WORD>", v.SYSTEM)
def sysname(s: CliSession, a: Args) -> None:
    name = str(a["name"])
    if len(name) > 246:
        raise CliSyntaxError("Wrong parameter", a.offsets["name"])

    def op(cfg: RouterConfig) -> None:
        cfg.sysname = name

    s.stage(op)


@command("undo sysname", v.SYSTEM)
def undo_sysname(s: CliSession, a: Args) -> None:
    def op(cfg: RouterConfig) -> None:
        cfg.sysname = "HUAWEI"

    s.stage(op)


# ---------------------------------------------------------------- commit


@command(
    "commit [trial [<secs:INT(60-65535)>]] [label <label:LABEL>] [description <desc:TEXT>]",
    ANY,
)
def commit(s: CliSession, a: Args) -> None:
    desc = a.opt_text("desc") or ""
    if len(desc) > 60:
        raise CliSyntaxError("Wrong parameter", a.offsets["desc"])
    trial = None
    if a.has("trial"):
        trial = a.opt_num("secs") or 600  # VRP8 default trial time
    ok = s.commit(label=a.opt_text("label"), description=desc, trial=trial)
    if ok and trial is not None and s.router.trial is not None:
        s.print(
            "Committing..done. ",
            "Info: The system enters the trial configuration mode.",
            "The system will revert to previous configuration if the trial configuration is not "
            f"confirmed in {trial} seconds.",
        )


@command("abort trial", ANY)
def abort_trial(s: CliSession, a: Args) -> None:
    if s.router.trial is None:
        # twin's choice text (no public sample)
        raise ConfigError("Error: The system is not in the trial configuration mode.")

    def answer(choice: str) -> None:
        if choice != "y":
            return
        trial = s.router.trial
        if trial is None:
            raise ConfigError("Error: The system is not in the trial configuration mode.")
        s.router.cancel_trial()
        s.router.revert_to(trial.point.before, user=s.user, user_intf=s.user_intf)
        s.print("Info: The trial configuration rollback succeeded.")

    s.ask("Warning: The trial configuration will be rolled back. Continue? [Y/N]:", "yn", answer)


@command("clear configuration candidate", ANY)
def clear_candidate(s: CliSession, a: Args) -> None:
    s.discard()
    s.enter(v.SYSTEM_VIEW)


@command("configuration exclusive", v.USER, ANY)
def lock(s: CliSession, a: Args) -> None:
    s.router.check_lock(s.sid)  # twin's choice: the commit refusal's text (VRP8.md 2)
    s.router.lock_holder = s.sid
    s.lock_time = s.router.clock()


@command("undo configuration exclusive", v.USER, ANY)
def unlock(s: CliSession, a: Args) -> None:
    s.router.check_lock(s.sid)
    s.router.lock_holder = None


# ---------------------------------------------------------------- rollback


@command(
    "rollback configuration { to commit-id <id:INT(1000000001-2999999999)> | last <n:INT(1-80)>"
    " | to label <label:LABEL> }",
    v.USER,
)
def rollback(s: CliSession, a: Args) -> None:
    router = s.router
    if a.has("commit-id"):
        point = router.point(a.num("id"))
        if point is None:
            raise CliSyntaxError("Wrong parameter", a.offsets["id"])
        target = point.after
    elif a.has("last"):
        n = a.num("n")
        if n > len(router.history):
            raise CliSyntaxError("Wrong parameter", a.offsets["n"])
        target = router.history[n - 1].before
    else:
        point = router.labelled(str(a["label"]))
        if point is None:
            raise CliSyntaxError("Wrong parameter", a.offsets["label"])
        target = point.after

    def answer(choice: str) -> None:
        if choice != "y":
            return
        router.check_lock(s.sid)  # a refusal is printed by the session; nothing changed
        router.cancel_trial()
        router.revert_to(target, user=s.user, user_intf=s.user_intf)
        s.print(
            "Checking changes...",
            "Loading rollback changes",
            "Committing",
            "Check rollback result",
            "Configuration rollback succeeded.",
            "Please use 'display configuration commit changes last 1' to view the changes.",
        )

    s.ask(
        "Warning: This operation will revert configuration changes to the previous status. During the "
        "rollback configuration process, some configurations involving differences may be temporarily "
        "invalid. Continue? [Y/N]:",
        "yn",
        answer,
    )


# ---------------------------------------------------------------- save


@command("save", v.USER)
def save(s: CliSession, a: Args) -> None:
    def answer(choice: str) -> None:
        if choice != "y":
            return  # twin's choice: "N" saves nothing, prints nothing
        s.router.save()
        s.print("Now saving the current configuration to the slot 1 .", "Info: Save the configuration successfully.")

    s.ask("Warning: The current configuration will be written to the device. Continue? [Y/N]:", "yn", answer)
