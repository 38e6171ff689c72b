// The visitors' feedback form posts to the public API itself: the rate limit counts this browser by
// its address and a token it keeps, as it would count a phone. Only the case number comes back.
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  feedback: {
    submit: async function (clicks, kind, zone, text, phone, source) {
      const keep = window.dash_clientside.no_update;
      if (!clicks || !kind) {
        return [keep, keep, keep, keep];
      }
      let screen = window.localStorage.getItem("anjing-screen");
      if (!screen) {
        const bytes = window.crypto.getRandomValues(new Uint8Array(12));
        screen = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
        window.localStorage.setItem("anjing-screen", screen);
      }
      let answer;
      try {
        answer = await fetch("/api/v1/feedback", {
          method: "POST",
          headers: {"Content-Type": "application/json"},
          body: JSON.stringify({
            kind: kind, zone: zone || "", text: text || "", phone: phone || "", screen: screen,
            source: source || "kiosk",
          }),
        });
      } catch (e) {
        return ["网络不通，请稍后再试 / no connection, please try again later", keep, keep, keep];
      }
      let body = {};
      try {
        body = await answer.json();
      } catch (e) {
        body = {};
      }
      if (answer.ok) {
        return [body.message, {display: "none"}, "", ""];
      }
      if (answer.status === 422 && Array.isArray(body.errors)) {
        return ["请检查填写内容 / please check what you entered", keep, keep, keep];
      }
      return [body.detail || "提交失败，请稍后再试 / could not send, please try again", keep, keep, keep];
    },
  },
});
