"""Typed FastAPI dependencies of the route modules.

    ServicesDep    the app's runtime services (web.services.Services)
    ConnDep        a database connection of this request's own, closed after the response
                   (never shared with another request or thread)
    RegistryDep    the reference data (taxonomy, regions, organisations)
    UserDep        the logged-in user, or None
    CuratorDep     a logged-in curator or beheerder (else: login page / 401)
    BeheerderDep   a logged-in beheerder (else 403)
    CuratorPostDep, BeheerderPostDep   the same for POST, with the CSRF token checked and the
                   parsed form left in request.state.form
"""
from __future__ import annotations

import sqlite3
from typing import Annotated, Iterator

from fastapi import Depends, Request

from kb.registry import Registry
from kb.users import User
from web import auth
from web.services import Services


async def get_services(request: Request) -> Services:
    # async: trivial lookups run on the event loop, without a hop to the thread pool
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]


def get_conn(services: ServicesDep) -> Iterator[sqlite3.Connection]:
    conn = services.open()
    try:
        yield conn
    finally:
        conn.close()


async def get_registry(services: ServicesDep) -> Registry:
    return services.registry()          # cached after the first call


ConnDep = Annotated[sqlite3.Connection, Depends(get_conn)]
RegistryDep = Annotated[Registry, Depends(get_registry)]
UserDep = Annotated[User | None, Depends(auth.current_user)]
CuratorDep = Annotated[User, Depends(auth.require_curator)]
BeheerderDep = Annotated[User, Depends(auth.require_beheerder)]
CuratorPostDep = Annotated[User, Depends(auth.curator_post)]
BeheerderPostDep = Annotated[User, Depends(auth.beheerder_post)]
