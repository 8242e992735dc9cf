"""Importing a document for curation: upload -> proposals, each beside the existing entry it
most resembles (with the scores); per proposal: accept (as concept), merge (into a published
entry: as a revision that another curator approves), or reject."""
from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi import Path as FPath
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse
from starlette.datastructures import UploadFile

from ingest.errors import IngestError
from ingest.upload import MAX_UPLOAD_BYTES
from kb import proposals as P
from kb.entries import EntryNotFound, VersionConflict, get_entry
from kb.review import open_revision
from search.duplicates import THRESHOLD
from web import auth
from web.curation_views import SQL_INT_MAX, flash, flash_url, in_worker, redirect, refresh_index, render, to_int
from web.deps import ConnDep, CuratorDep, CuratorPostDep, ServicesDep
from web.errors import html_error
from web.parsing import ParserBusy, parse_pool
from web.services import ServiceUnavailable

router = APIRouter(prefix="/beheer", include_in_schema=False, route_class=auth.GuardedRoute)


@router.get("/import", response_class=HTMLResponse, name="beheer_import")
def importeren(request: Request, user: CuratorDep, conn: ConnDep):
    return render(request, "beheer/import.html", {"batches": P.list_batches(conn), "flash": flash(request),
                                                   "max_mb": MAX_UPLOAD_BYTES // 2**20})


def _upload(services, conn, data: bytes, filename: str, actor: str, force: bool, pool):
    searcher, finder = services.duplicate_finder()

    def find(drafts):
        with services.locked(searcher):
            return finder(drafts)
    return P.upload(conn, data, filename, actor=actor, find_duplicates=find, force=force, max_bytes=MAX_UPLOAD_BYTES,
                    run=pool.run)           # reading in a parse worker (time and memory limit)


@router.post("/import", response_class=HTMLResponse)
async def importeren_post(request: Request, user: CuratorPostDep, conn: ConnDep, services: ServicesDep):
    form = request.state.form
    upload = form.get("bestand")
    ctx = {"batches": P.list_batches(conn), "max_mb": MAX_UPLOAD_BYTES // 2**20}
    if not isinstance(upload, UploadFile) or not upload.filename:
        return render(request, "beheer/import.html", ctx | {"error": "Kies een bestand om te uploaden."}, 422)
    data = await upload.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        return render(request, "beheer/import.html", ctx | {
            "error": f"Het bestand '{upload.filename}' is te groot; de grens is {MAX_UPLOAD_BYTES // 2**20} MB."}, 413)
    force = form.get("toch") == "ja"
    try:
        batch = await run_in_threadpool(_upload, services, conn, data, upload.filename, user.username, force,
                                        parse_pool(request.app))
    except ParserBusy as err:
        return render(request, "beheer/import.html", ctx | {"error": str(err)}, 503)
    except P.AlreadyImported as err:
        return render(request, "beheer/import.html", ctx | {"error": str(err), "allow_force": True,
                                                           "previous": err.batch_id}, 409)
    except IngestError as err:
        return render(request, "beheer/import.html", ctx | {"error": str(err)}, 422)
    except ServiceUnavailable as err:
        return render(request, "beheer/import.html", ctx | {"error": str(err)}, 503)
    n = len(batch.proposals)
    d = batch.counts["duplicates"]
    msg = (f"{n} voorstel{'len' if n != 1 else ''} uit '{batch.filename}'; {d} lijk{'t' if d == 1 else 'en'} op "
           f"een bestaand kennisitem. Beoordeel ze hieronder: er is nog niets gepubliceerd.")
    return redirect(flash_url(request, f"/beheer/import/{batch.id}", msg, "info" if d else "succes"))


@router.get("/import/{batch_id}", response_class=HTMLResponse, name="beheer_batch")
def batch(request: Request, user: CuratorDep, conn: ConnDep, batch_id: int = FPath(ge=1, le=SQL_INT_MAX)):
    b = P.get_batch(conn, batch_id)
    if b is None:
        return html_error(request, 404, f"Import {batch_id} bestaat niet.", title="Import niet gevonden")
    targets = {p.duplicate_of: get_entry(conn, p.duplicate_of) for p in b.proposals if p.duplicate_of}
    return render(request, "beheer/batch.html", {"batch": b, "targets": targets, "flash": flash(request),
                                                  "labels": P.PROPOSAL_LABELS, "threshold": THRESHOLD})


@router.post("/voorstellen/{proposal_id}", response_class=HTMLResponse)
async def voorstel_post(request: Request, user: CuratorPostDep, conn: ConnDep,
                        proposal_id: int = FPath(ge=1, le=SQL_INT_MAX)):
    form = request.state.form
    p = P.get_proposal(conn, proposal_id)
    if p is None:
        return html_error(request, 404, f"Voorstel {proposal_id} bestaat niet.", title="Voorstel niet gevonden")
    back, anchor = f"/beheer/import/{p.batch_id}", f"#voorstel-{p.id}"
    action = str(form.get("besluit") or "")
    try:
        if action == "overnemen":
            e = await in_worker(P.accept, conn, proposal_id, actor=user.username)
            msg = f"Overgenomen als nieuw kennisitem '{e.title}' (concept)."
        elif action == "samenvoegen":
            e = await in_worker(P.merge, conn, proposal_id, actor=user.username,
                                expected_version=to_int(form.get("versie")))
            if open_revision(conn, e.id) is not None:
                msg = (f"Samengevoegd met '{e.title}' als wijziging ter review (zonder herhaalde zinnen en resultaten). "
                       "Het openbare kennisitem verandert pas als een andere curator de wijziging goedkeurt.")
                return redirect(flash_url(request, back, msg, "succes") + anchor)
            msg = f"Samengevoegd met '{e.title}' (nieuwe versie {e.version}; status ongewijzigd)."
        elif action == "afwijzen":
            await in_worker(P.reject, conn, proposal_id, actor=user.username)
            return redirect(flash_url(request, back, "Voorstel afgewezen.", "succes") + anchor)
        else:
            return html_error(request, 400, "Kies overnemen, samenvoegen of afwijzen.", title="Onbekend besluit")
    except (P.ProposalError, VersionConflict, EntryNotFound) as err:
        return redirect(flash_url(request, back, str(err), "fout") + anchor)
    warning = await run_in_threadpool(refresh_index, request)
    return redirect(flash_url(request, back, warning or msg, "info" if warning else "succes") + anchor)
