"""An answer texted back to the visitor's number through the site's SMS channel (Aliyun's documented
SendSms form, on a loopback receiver), and not texted when the visitor left no number."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl

from anjing.runtime import Runtime
from api.auth import Role
from tests.alerts.channels.receiver import Answer, Receiver
from tests.api_client import api_client
from tests.feedback.support import PUBLIC, feedback_site


def notify(receiver: Receiver) -> str:
    return f"""
notify:
  channels:
    - {{id: hook, type: webhook, url: "{receiver.url}/hook", secret: s3cret}}
    - id: visitor-sms
      type: aliyun_sms
      access_key_id: test-key
      access_key_secret: test-secret
      sign_name: 安境物业
      template: SMS_460725009
      params: [zone, kind, answer]
      endpoint: "{receiver.url}/"
  receivers: [{{id: duty, name: 值班员, channels: [{{channel: hook}}]}}]
  routes: [{{match: {{rule: none}}, receivers: [duty]}}]
"""


async def test_the_answer_reaches_the_visitors_phone(tmp_path: Path, receiver: Receiver) -> None:
    receiver.respond = lambda request: Answer(
        body=json.dumps({"Code": "OK", "Message": "OK", "RequestId": "F655A8D5", "BizId": "9006"}).encode()
    )
    site = feedback_site(tmp_path, "{reply_channel: visitor-sms}", extra=notify(receiver))
    async with Runtime(site) as runtime, api_client(runtime, Role.DUTY) as duty:
        texted = (
            await duty.post(PUBLIC, json={"kind": "hot", "zone": "hall", "phone": "13812345678"})
        ).json()
        silent = (await duty.post(PUBLIC, json={"kind": "cold", "zone": "hall"})).json()
        answered = await duty.post(f"{PUBLIC}/{texted['id']}/answer", json={"answer": "已调低空调温度"})
        await duty.post(f"{PUBLIC}/{silent['id']}/answer", json={"answer": "已开暖气"})
    sms = [dict(parse_qsl(r.body.decode())) for r in receiver.requests if r.path == "/"]
    assert len(sms) == 1  # only the visitor who left a number is texted
    assert sms[0]["PhoneNumbers"] == "13812345678"
    assert json.loads(sms[0]["TemplateParam"]) == {
        "zone": "服务大厅",
        "kind": "太热",
        "answer": "已调低空调温度",
    }
    assert answered.json()["reply"].startswith("ok: ")
    assert answered.json()["phone"] == "138****5678"
