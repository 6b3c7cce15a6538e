"""The clinic store's commands, run by `python -m estimator` (which declares them): `clinic export FILE`,
`clinic import FILE`, `clinic list`, and `batch FILE.csv --clinic NAME [--price-list NAME] [--payer-template NAME]`.

Problems are one `path: message` line each on stderr with exit status 2, never a traceback; nothing about a patient
is printed (the batch writes its results CSV to stdout as it always has).
"""

from __future__ import annotations

import argparse
from typing import TextIO

from sqlalchemy.exc import SQLAlchemyError

from clinic.clinic_file import MAX_FILE_BYTES, setup_from_json, setup_to_json
from clinic.db import describe_database
from clinic.store import ClinicStore, SetupInvalid, StoreError
from estimator.text import printable
from estimator.workflows.batch import run_batch_cli
from estimator.workflows.batch_input import prices_from_price_list


def run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """Run one clinic store command from the arguments estimator.cli parsed; returns the exit status."""
    try:
        if args.command == "batch":
            return _batch(args, out, err)
        if args.clinic_command == "import":
            return _import(args.file, out, err)
        store = ClinicStore.open()
        if args.clinic_command == "export":
            return _export(store, args.file, args.clinic, out, err)
        return _list(store, out)
    except SetupInvalid as e:
        for problem in e.problems:
            print(printable(str(problem)), file=err)
        return 2
    except StoreError as e:
        print(printable(str(e)), file=err)
        return 2
    except SQLAlchemyError as e:  # the server is down, the file is not a database...
        reason = str(getattr(e, "orig", None) or type(e).__name__).splitlines()[0]
        print(f"the clinic store ({describe_database()}) can't be used: {printable(reason)}", file=err)
        return 2


def _one_clinic(store: ClinicStore, name: str | None) -> str:
    if name:
        return store.get_clinic(name).name
    kept = store.list_clinics(include_archived=True)
    if len(kept) != 1:
        names = ", ".join(repr(k.name) for k in kept) or "none is kept yet"
        raise StoreError(f"name the clinic with --clinic NAME ({names})")
    return kept[0].name


def _import(path: str, out: TextIO, err: TextIO) -> int:
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_FILE_BYTES + 1)
    except OSError as e:
        print(f"{path}: cannot read the file ({e.strerror})", file=err)
        return 2
    setup = setup_from_json(raw)  # validated before the store is even opened
    store = ClinicStore.open()
    for line in store.import_setup(setup):
        print(printable(line), file=out)
    print(f"saved in the {store.location}", file=err)
    return 0


def _export(store: ClinicStore, path: str, clinic: str | None, out: TextIO, err: TextIO) -> int:
    name = _one_clinic(store, clinic)
    text = setup_to_json(store.load_setup(name))
    if path == "-":
        out.write(text)
        return 0
    try:
        with open(path, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    except OSError as e:
        print(f"{path}: cannot write the file ({e.strerror})", file=err)
        return 2
    print(f"clinic {printable(name)!r} written to {path}", file=err)
    return 0


def _list(store: ClinicStore, out: TextIO) -> int:
    print(store.location, file=out)
    for clinic in store.list_clinics(include_archived=True):
        print(printable(clinic.name) + (" (archived)" if clinic.archived else ""), file=out)
        for what, kept in (
            ("price list", store.list_price_lists(clinic.name, include_archived=True)),
            ("payer template", store.list_payer_templates(clinic.name, include_archived=True)),
        ):
            for k in kept:
                flag = " (archived)" if k.archived else ""
                print(f"  {what}: {printable(k.name)} (version {k.version}){flag}", file=out)
    return 0


def _batch(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    if args.prices:
        raise StoreError("--prices and --clinic both give a price list: use --price-list NAME for the clinic's")
    if args.payer_template and args.coverage:
        raise StoreError("--payer-template and --coverage both say what rows are covered for: give one")
    store = ClinicStore.open()
    clinic = store.get_clinic(args.clinic)
    if clinic.archived:
        raise StoreError(f"the clinic {clinic.name!r} is archived; unarchive it to quote with it")
    price_list = store.get_price_list(clinic.name, args.price_list) if args.price_list else None
    if price_list is not None and price_list.archived:
        raise StoreError(f"the price list {price_list.name!r} is archived; name an active one")
    price_list = price_list or store.price_list_in_effect(clinic.name)
    templates = {k.name: k.content for k in store.list_payer_templates(clinic.name)}
    default = None
    if args.payer_template:
        kept = store.get_payer_template(clinic.name, args.payer_template)
        if kept.archived:
            raise StoreError(f"the payer template {kept.name!r} is archived; name an active one")
        default = kept.content
    return run_batch_cli(
        args.csv,
        None,
        out,
        err,
        args.coverage,
        prices=prices_from_price_list(price_list.content),
        payer_templates=templates,
        payer_template=default,
    )
