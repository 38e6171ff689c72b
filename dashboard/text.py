"""The dashboard's words in Chinese (the default) and English: one table, looked up by key."""

from __future__ import annotations

from typing import Literal

Lang = Literal["zh", "en"]

TEXT: dict[str, tuple[str, str]] = {
    "app": ("安境 · 环境与安全监测", "Anjing · environment and safety"),
    "overview": ("总览", "Overview"),
    "trends": ("趋势", "Trends"),
    "alerts": ("告警", "Alerts"),
    "devices": ("设备", "Devices"),
    "checklist": ("应急检查", "Checklist"),
    "no_plan": (
        "未配置应急预案（site 文件的 safety: plan）。",
        "No emergency plan configured (safety: plan).",
    ),
    "inspections": ("定期检查", "Inspections"),
    "due": ("到期", "Due"),
    "last_done": ("上次完成", "Last done"),
    "signed": ("最近签署", "Last signed"),
    "never_signed": ("尚未签署", "Never signed"),
    "sign_ok": ("签署：正常", "Sign: OK"),
    "sign_problem": ("签署：有问题", "Sign: problem"),
    "live.ok": ("正常", "OK"),
    "live.problem": ("有问题", "Problem"),
    "live.unknown": ("未知", "Unknown"),
    "live.manual": ("人工检查", "Manual"),
    "task.ok": ("按期", "On time"),
    "task.due_soon": ("即将到期", "Due soon"),
    "task.overdue": ("已逾期", "Overdue"),
    "kiosk": ("大厅屏", "Lobby screen"),
    "sign_in": ("登录", "Sign in"),
    "sign_out": ("退出", "Sign out"),
    "user": ("用户名", "User name"),
    "password": ("密码", "Password"),
    "signed_in_as": ("当前用户", "Signed in as"),
    "need_sign_in": ("请先登录。", "Please sign in."),
    "not_allowed": ("权限不足。", "Not allowed for your role."),
    "state.ok": ("正常", "OK"),
    "state.warning": ("注意", "Warning"),
    "state.alert": ("告警", "Alert"),
    "state.offline": ("离线", "Offline"),
    "state.unknown": ("未知", "Unknown"),
    "state.online": ("在线", "Online"),
    "alert.firing": ("告警中", "Firing"),
    "alert.acknowledged": ("已确认", "Acknowledged"),
    "alert.pending": ("待触发", "Pending"),
    "alert.unknown": ("数据缺失", "No data"),
    "alert.resolved": ("已恢复", "Resolved"),
    "alert.inactive": ("正常", "Normal"),
    "open_alerts": ("未关闭的告警", "Open alerts"),
    "no_open_alerts": ("没有未关闭的告警", "No open alerts"),
    "zones": ("区域", "Zones"),
    "health": ("系统", "System"),
    "devices_online": ("设备在线", "devices online"),
    "pending": ("待写入", "pending"),
    "outbox": ("外发队列", "outbox"),
    "store_ok": ("存储正常", "store OK"),
    "store_error": ("存储故障", "store failing"),
    "since": ("起始", "since"),
    "sensors": ("传感器", "Sensors"),
    "range": ("时间范围", "Range"),
    "last": ("最近", "last"),
    "now": ("现值", "now"),
    "limit": ("限值", "limit"),
    "mean_of": ("均值", "mean"),
    "min_max": ("最小–最大", "min–max"),
    "window_mean": ("窗口均值", "window mean"),
    "draw": ("绘制", "Draw"),
    "pick_sensors": ("请选择传感器。", "Pick one or more sensors."),
    "zone": ("区域", "Zone"),
    "severity": ("级别", "Severity"),
    "standard": ("标准", "Standard"),
    "state": ("状态", "State"),
    "value": ("数值", "Value"),
    "clause": ("条款", "Clause"),
    "acknowledge": ("确认", "Acknowledge"),
    "comment": ("备注", "Comment"),
    "silence": ("静默", "Silence"),
    "silence_hours": ("静默小时数", "Hours to silence"),
    "reason": ("原因", "Reason"),
    "history": ("历史", "History"),
    "open": ("当前", "Open"),
    "notifications": ("通知记录", "Notifications"),
    "done": ("已完成", "Done"),
    "refused": ("未执行", "Refused"),
    "device": ("设备", "Device"),
    "bus": ("总线", "Bus"),
    "last_good": ("最近正常", "Last good"),
    "errors": ("错误", "Errors"),
    "plan": ("读取计划", "Request plan"),
    "kiosk_title": ("室内环境", "Indoor environment"),
    "updated": ("更新于", "Updated"),
    "all": ("全部", "All"),
}


def t(key: str, lang: Lang) -> str:
    zh, en = TEXT[key]
    return zh if lang == "zh" else en


def both(key: str) -> str:
    """Chinese first, English beside: for places without a language switch (the kiosk)."""
    zh, en = TEXT[key]
    return f"{zh} / {en}"
