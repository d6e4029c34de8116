"""Terra's own Python SDK (terra-python) against a running `erglink serve`.

Run by tests/serve_cli.rs with the venv that tools/test makes:
    python terra_sdk_client.py PLAN_JSON
PLAN_JSON: {"base_url", "dev_id", "api_key", "user_id", "reference_id",
"start", "end", "empty_start", "empty_end"}. Prints one JSON object of what
the SDK got back; the Rust test judges it (and validates the activities
against Terra's schema). An unexpected exception fails the script.
"""

import json
import sys

from terra import Terra
from terra.core.api_error import ApiError
from terra.errors.bad_request_error import BadRequestError
from terra.errors.not_found_error import NotFoundError
from terra.errors.unauthorized_error import UnauthorizedError


def raw_json(http_response):
    # The SDK keeps the httpx response; its JSON is what the schema check needs.
    return http_response._response.json()


def raised(call):
    try:
        call()
    except (BadRequestError, NotFoundError, UnauthorizedError, ApiError) as e:
        return {"error": type(e).__name__, "status": e.status_code, "body": e.body}
    return {"error": None}


def main():
    plan = json.loads(sys.argv[1])
    client = Terra(dev_id=plan["dev_id"], api_key=plan["api_key"], base_url=plan["base_url"])
    out = {}

    subs = client.user.getalluserids()
    out["subscriptions"] = [u.user_id for u in subs.users]
    paged = client.user.getalluserids(page=0, per_page=1)
    # The SDK's unchecked union tries the unpaginated model first, so the
    # paginated `data` may come back as a plain dict.
    page = paged.data if not isinstance(paged.data, dict) else None
    if page is None:
        d = paged.data
        out["page0"] = {"results": [u["user_id"] for u in d["results"]], "next": d["next"]}
    else:
        out["page0"] = {"results": [u.user_id for u in page.results], "next": page.next}

    by_id = client.user.getinfoforuserid(user_id=plan["user_id"])
    out["info_by_id"] = {"user_id": by_id.user.user_id, "reference_id": by_id.user.reference_id,
                         "provider": by_id.user.provider}
    by_ref = client.user.getinfoforuserid(reference_id=plan["reference_id"])
    out["info_by_reference"] = [u.user_id for u in by_ref]

    for with_samples in (False, True):
        typed = client.activity.fetch(user_id=plan["user_id"], start_date=plan["start"],
                                      end_date=plan["end"], to_webhook=False,
                                      with_samples=with_samples)
        raw = client.activity.with_raw_response.fetch(
            user_id=plan["user_id"], start_date=plan["start"], end_date=plan["end"],
            to_webhook=False, with_samples=with_samples)
        key = "with_samples" if with_samples else "without_samples"
        out[key] = {
            "typed_count": len(typed.data),
            "typed_summary_ids": [a.metadata.summary_id for a in typed.data],
            "typed_user": typed.user.user_id,
            "body": raw_json(raw),
        }

    empty = client.activity.fetch(user_id=plan["user_id"], start_date=plan["empty_start"],
                                  end_date=plan["empty_end"], to_webhook=False)
    out["empty"] = {"type": empty.type, "status": getattr(empty, "status", None),
                    "message": getattr(empty, "message", None)}

    wrong = Terra(dev_id=plan["dev_id"], api_key=plan["api_key"] + "x", base_url=plan["base_url"])
    out["wrong_key"] = raised(lambda: wrong.activity.fetch(
        user_id=plan["user_id"], start_date=plan["start"], to_webhook=False))
    out["bad_date"] = raised(lambda: client.activity.fetch(
        user_id=plan["user_id"], start_date="2026-02-30", to_webhook=False))
    out["unknown_user"] = raised(lambda: client.activity.fetch(
        user_id="00000000-0000-0000-0000-000000000000", start_date=plan["start"],
        to_webhook=False))
    out["unknown_reference"] = raised(lambda: client.user.getinfoforuserid(reference_id="nobody"))

    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
