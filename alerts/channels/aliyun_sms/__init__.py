"""Aliyun SMS (阿里云短信服务, Dysmsapi SendSms), signed with RPC signature 1.0 (see README.md)."""

from alerts.channels.aliyun_sms.channel import AliyunSmsChannel
from alerts.channels.aliyun_sms.config import AliyunSmsConfig
from alerts.channels.aliyun_sms.signing import percent_encode, rpc_signature

__all__ = ["AliyunSmsChannel", "AliyunSmsConfig", "percent_encode", "rpc_signature"]
