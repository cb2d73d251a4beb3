export default {
  app: { close: '关闭', name: '浙里办', offline: '当前处于离线状态，显示的是已缓存的内容', loading: '加载中…', empty: '暂无内容', retry: '重试', back: '返回', signInFirst: '请先登录' },
  tab: { home: '首页', cases: '办件', inbox: '消息', me: '我的', tasks: '待办' },
  region: { switch: '切换地区', title: '选择地区', chooseThis: '选择{name}（本级）', province: '省', city: '市', county: '区县' },
  home: { search: '搜索事项', searchButton: '搜索', categories: '服务分类', notices: '通知公告', popular: '热门事项', noNotices: '暂无公告' },
  search: { results: '搜索结果', none: '没有找到相关事项' },
  item: {
    applyOnline: '在线办理', notOnline: '本事项暂不支持在线办理，请到办事大厅办理', conditions: '受理条件', materials: '申请材料',
    fees: '收费标准', free: '不收费', limits: '办理时限', statutory: '法定时限 {n} 个工作日', promised: '承诺时限 {n} 个工作日',
    channels: '办理渠道', visits: '跑动次数', visitsN: '最多跑 {n} 次', online: '在线办理', yes: '支持', no: '不支持', agency: '实施机关',
    address: '办理地点', contact: '咨询电话', hours: '办公时间', steps: '办理流程', legal: '设定依据', required: '必需', optional: '非必需',
    channel: { app: '移动端', web: '网上', service_hall: '办事大厅' },
  },
  auth: {
    code: '验证码', codeRule: '请输入短信中的 6 位验证码', codeSent: '验证码已发送至 {phone}', confirm: '完成注册', phone: '手机号', password: '密码', name: '姓名', signIn: '登录', signUp: '注册', signOut: '退出登录', noAccount: '还没有账号？',
    region: '户籍所在地', signedUp: '注册成功，请登录', phoneRule: '请输入 11 位手机号', passwordRule: '密码至少 8 位',
    required: '必填',
  },
  apply: {
    title: '在线申请', submit: '提交', submitted: '提交成功', caseNumber: '办件编号', materials: '上传材料', upload: '上传{name}',
    uploaded: '已上传', fix: '请检查标红的字段', viewCase: '查看办件', uploading: '上传中 {n}%',
  },
  form: {
    required: '必填', minLength: '至少 {n} 个字符', maxLength: '最多 {n} 个字符', pattern: '格式不正确', choose: '请选择',
    number: '请输入数字', integer: '请输入整数', minimum: '不能小于 {n}', maximum: '不能大于 {n}', exclusiveMinimum: '必须大于 {n}',
    exclusiveMaximum: '必须小于 {n}', date: '请输入有效日期', minItems: '至少 {n} 项', maxItems: '最多 {n} 项', add: '添加{name}',
    remove: '删除第 {n} 项', item: '第 {n} 项', placeholder: '请输入', select: '请选择',
  },
  cases: {
    title: '我的办件', none: '还没有办件', status: '状态', timeline: '办理进度', next: '下一步', due: '办理期限', submitTime: '提交时间',
    nextStep: { submitted: '等待窗口受理', under_review: '审核中，请耐心等待', returned: '请按意见补正后重新提交', done: '已办结' },
    returned: '退回意见', resubmit: '补正后重新提交', resubmitted: '已重新提交', form: '申请信息', materials: '材料',
    action: { submit: '提交申请', claim: '认领', assign: '指派' },
  },
  rating: {
    rate: '评价', levels: { 5: '非常满意', 4: '满意', 3: '基本满意', 2: '不满意', 1: '非常不满意' }, comment: '评价内容', submit: '提交评价',
    thanks: '感谢您的评价', yours: '您的评价',
  },
  inbox: { title: '消息', none: '暂无消息', readAll: '全部已读', unread: '未读' },
  me: {
    invitations: '工作人员邀请', invitedAs: '{tenant}邀请您担任{roles}', accept: '接受', decline: '拒绝', title: '我的', language: 'English', preferences: '消息设置', push: '开启推送通知', pushOn: '推送通知已开启',
    pushUnsupported: '此浏览器不支持推送通知，您仍可在“消息”中查看所有通知', pushDenied: '推送通知未获授权，可在浏览器设置中开启',
    pushFailed: '此浏览器无法订阅推送：{reason}。您仍可在“消息”中查看所有通知', pushUnavailable: '平台暂未配置推送服务',
    staff: '工作人员', roles: '角色',
  },
  prefs: {
    title: '消息设置', channels: '通知渠道', quiet: '免打扰时段', quietOn: '开启免打扰', start: '开始时间', end: '结束时间', save: '保存',
    saved: '已保存', category: { case_progress: '办件进度', case_outcome: '办件结果', notice: '通知公告', rating: '评价', task: '待办任务', sla: '时限提醒', rectification: '整改' },
    channel: { in_app: '站内消息', push: '推送', sms: '短信' },
  },
  tasks: {
    title: '待办', none: '没有待办任务', claim: '认领', claimed: '已认领', due: '办理期限', overdue: '已超期', dueSoon: '即将到期',
    comment: '意见', stale: '办件已被他人更新，已为您重新加载，请确认后再操作', done: '操作成功', commentRequired: '请填写意见',
    rectification: '整改任务', unassigned: '未认领', mine: '我的',
  },
  rect: { callback: '回访情况', outcome: '整改结果', close: '关闭整改', closed: '已整改', open: '待整改' },
  role: { clerk: '受理人员', approver: '审批人员', supervisor: '监督人员', tenant_admin: '管理员', province_admin: '省级管理员', citizen: '群众' },
  error: { offline: '网络不可用，请检查网络后重试', generic: '出错了，请稍后重试' },
}
