/**
 * The Ant Design components Keyi renders, each in the states that register their own styles,
 * rendered once on the server to collect their CSS (see vite-antd-css.ts for why).
 *
 * Not every antd export: the whole library's CSS is ~1.3 MB, most of it for components Keyi
 * never shows (mentions, upload, colour picker, steps…), and every byte of a stylesheet is
 * parsed before the first paint. A component added to the app later and missing here still
 * works: antd generates its CSS at run time, as it did before.
 *
 * Popups (tooltips, popovers, dropdown menus, modals, drawers) register their styles when their
 * trigger renders, so they are rendered closed; antd's `_InternalPanel…` previews would register
 * them under a different theme (motion off) that the running app never asks for.
 */
import { createCache, extractStyle, StyleProvider } from '@ant-design/cssinjs';
import {
  Alert,
  App,
  AutoComplete,
  Badge,
  Button,
  Checkbox,
  Col,
  ConfigProvider,
  DatePicker,
  Divider,
  Drawer,
  Dropdown,
  Empty,
  Form,
  Input,
  InputNumber,
  Layout,
  List,
  Menu,
  Modal,
  Popconfirm,
  Popover,
  Radio,
  Result,
  Row,
  Segmented,
  Select,
  Skeleton,
  Space,
  Spin,
  Switch,
  Table,
  Tabs,
  Tag,
  Timeline,
  Tooltip,
  Tree,
  Typography,
  type ThemeConfig,
} from 'antd';
import { renderToString } from 'react-dom/server';

function Catalog() {
  return (
    <App>
      <Layout>
        <Layout.Sider collapsible>
          <Menu mode="inline" items={[{ key: 'a', label: 'a' }, { type: 'group', key: 'g', label: 'g', children: [{ key: 'b', label: 'b' }] }]} />
        </Layout.Sider>
        <Layout>
          <Layout.Header />
          <Layout.Content />
        </Layout>
      </Layout>
      <Button type="primary">a</Button>
      <Space>
        <Badge count={1}>
          <span />
        </Badge>
        <Badge color="#a0a8b8" text="a" />
      </Space>
      <Space.Compact>
        <Button>a</Button>
        <Input />
        <Select />
        <InputNumber />
        <DatePicker />
      </Space.Compact>
      <Input prefix="a" allowClear />
      <Input.TextArea />
      <Input.Password />
      <Input.Search />
      <InputNumber />
      <Select />
      <AutoComplete />
      <DatePicker />
      <DatePicker.RangePicker />
      <Checkbox />
      <Checkbox.Group options={['a']} />
      <Radio.Group options={['a']} optionType="button" />
      <Radio />
      <Switch />
      <Segmented options={['a', 'b']} />
      <Form>
        <Form.Item label="a" help="a" validateStatus="error" required>
          <Input />
        </Form.Item>
      </Form>
      <Alert message="a" />
      <Empty />
      <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} />
      <Result status="404" />
      <Tooltip title="a">
        <span />
      </Tooltip>
      <Popover content="a">
        <span />
      </Popover>
      <Popconfirm title="a">
        <span />
      </Popconfirm>
      <Dropdown menu={{ items: [{ key: 'a', label: 'a' }] }}>
        <span />
      </Dropdown>
      <Modal open={false} />
      <Drawer open={false} />
      <Tag>a</Tag>
      <Tag color="blue">a</Tag>
      <Tag color="success">a</Tag>
      <Tag color="#3358d4">a</Tag>
      <Table rowKey="a" columns={[{ key: 'a', dataIndex: 'a', title: 'a', sorter: true }]} dataSource={[{ a: 'a' }]} rowSelection={{}} />
      <Table columns={[]} dataSource={[]} />
      <Skeleton active />
      <Skeleton.Button />
      <Spin />
      <Typography.Title>a</Typography.Title>
      <Typography.Paragraph>a</Typography.Paragraph>
      <Typography.Text>a</Typography.Text>
      <Row>
        <Col span={12} />
      </Row>
      <Tabs items={[{ key: 'a', label: 'a', children: 'a' }]} />
      <List dataSource={['a']} renderItem={(a) => <List.Item>{a}</List.Item>} />
      <Tree treeData={[{ key: 'a', title: 'a' }]} draggable />
      <Timeline items={[{ children: 'a' }]} />
      <Divider />
    </App>
  );
}

/** The CSS of every component above, with the map cssinjs reads to skip generating it again. */
export function renderAntdCss(theme: ThemeConfig): string {
  const cache = createCache();
  renderToString(
    <StyleProvider cache={cache}>
      <ConfigProvider theme={theme}>
        <Catalog />
      </ConfigProvider>
    </StyleProvider>,
  );
  return extractStyle(cache, true);
}
